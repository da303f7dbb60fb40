"""The ACI « taille » as the territory sees it: the rule itself lives in `cpts_workflow.taille`."""

from __future__ import annotations

from ..taille import taille

TAILLE_LABELS = {
    1: "moins de 40 000 habitants",
    2: "de 40 000 à 80 000 habitants",
    3: "de 80 000 à 175 000 habitants",
    4: "plus de 175 000 habitants",
}

__all__ = ["TAILLE_LABELS", "taille"]
