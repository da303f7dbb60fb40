"""Text as people type it when they look something up: case, accents and spacing ignored."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """`  Claire  MARTÍN ` → `claire martin`; `Œuvre` → `oeuvre` (for comparisons only)."""
    if not text:
        return ""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("’", "'").split()).casefold()


def close_matches(typed: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates closest to `typed`, compared folded (each returned as written)."""
    import difflib

    by_fold: dict[str, str] = {}
    for candidate in candidates:
        by_fold.setdefault(fold(candidate), candidate)
    wanted = fold(typed)
    found = difflib.get_close_matches(wanted, list(by_fold), n=n, cutoff=0.6)
    # A part typed alone (« martin » for « Claire Martin ») is close too.
    found += [k for k in by_fold if wanted and wanted in k and k not in found]
    return [by_fold[k] for k in found[:n]]


def pick(typed: str, choices: dict[str, str], unknown: str) -> str:
    """The key of `choices` that `typed` names: the key itself, its French label, or a word
    that appears in one label only (« ARS », « coordinatrice »). `unknown` is the French
    sentence of the refusal (gendered by the caller: « Rôle inconnu », « Collège inconnu »).
    """
    from .errors import BadInput

    wanted = fold(typed).replace("-", " ").replace("_", " ")
    for key, label in choices.items():
        if wanted in (fold(key).replace("_", " "), fold(label)):
            return key
    spelled = {key: _spellings(fold(label)) for key, label in choices.items()}
    found = [key for key, words in spelled.items() if wanted and any(
        wanted == w or wanted in w.split() or (len(wanted) >= 4 and w.startswith(wanted))
        for w in words)]
    if len(found) == 1:
        return found[0]
    listing = ", ".join(f"« {label} »" for label in choices.values())
    raise BadInput(f"{unknown} : « {typed.strip()} ».", f"Valeurs possibles : {listing}.")


def _spellings(label: str) -> set[str]:
    """« référent·e ars » → itself, « référent ars », « référente ars »; and the label's
    part before any parenthesis."""
    words = label.split(" (")[0].split()
    masculine = " ".join(w.split("·")[0] for w in words)
    feminine = " ".join(w.split("·")[0] + w.split("·")[1] if "·" in w and len(w.split("·")[1]) < 3
                        else w.split("·")[0][: -len(w.split("·")[1]) + 1] + w.split("·")[1]
                        if "·" in w else w for w in words)
    return {label, label.split(" (")[0], masculine, feminine}
