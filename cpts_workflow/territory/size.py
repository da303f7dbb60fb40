"""The ACI « taille » of a CPTS, from the population it covers: the rule lives here only."""

from __future__ import annotations

# Upper bounds (inclusive) of tailles 1, 2 and 3; above the last one is taille 4.
TAILLE_BOUNDS: tuple[int, int, int] = (39_999, 79_999, 175_000)

TAILLE_LABELS = {
    1: "moins de 40 000 habitants",
    2: "de 40 000 à 80 000 habitants",
    3: "de 80 000 à 175 000 habitants",
    4: "plus de 175 000 habitants",
}


def taille(population: int) -> int:
    """Taille (1 to 4) of a CPTS covering `population` inhabitants.

    1: < 40 000; 2: 40 000 – 80 000; 3: 80 000 – 175 000; 4: > 175 000.

    The sources do not say which side a boundary value falls on (« à confirmer »), so
    the rule is fixed here, once: a lower bound belongs to the upper taille, and 175 000
    itself is still taille 3 (« plus de 175 000 » is strictly more):

    - 39 999 → 1, 40 000 → 2;
    - 79 999 → 2, 80 000 → 3;
    - 175 000 → 3, 175 001 → 4.
    """
    if population < 0:
        raise ValueError("population must not be negative")
    for index, upper in enumerate(TAILLE_BOUNDS, start=1):
        if population <= upper:
            return index
    return 4
