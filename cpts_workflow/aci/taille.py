"""The ACI *taille* of a CPTS, from the population it covers: the rule in one place."""

from __future__ import annotations

from ..errors import BadInput

TAILLE_LABELS = {
    1: "moins de 40 000 habitants",
    2: "de 40 000 à 80 000 habitants",
    3: "de 80 000 à 175 000 habitants",
    4: "plus de 175 000 habitants",
}


def taille(population: int) -> int:
    """Taille 1 to 4 of a CPTS covering `population` inhabitants.

    Bands (ARS Hauts-de-France, 30/11/2023): 1 below 40 000; 2 from 40 000; 3 from
    80 000 up to and including 175 000; 4 above 175 000. Which side a boundary falls on
    is not stated by the sources (à confirmer): we take lower bounds as inclusive and
    « > 175 000 » for taille 4, so 39 999 → 1, 40 000 → 2, 80 000 → 3, 175 000 → 3,
    175 001 → 4.
    """
    if isinstance(population, bool) or not isinstance(population, int) or population < 0:
        raise BadInput(
            f"« {population} » n'est pas une population valide.",
            "Donnez un nombre entier d'habitants, par exemple 149695.",
        )
    if population < 40_000:
        return 1
    if population < 80_000:
        return 2
    if population <= 175_000:
        return 3
    return 4
