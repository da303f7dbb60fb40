"""Writing files safely: owner-only permissions, atomic replace, confined names."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import BadInput

# Names Windows refuses whatever the extension.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (it may hold personal data), atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def safe_stem(text: str) -> str:
    """A file-name stem valid on every OS: ASCII letters, digits and dashes."""
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9]+", "-", ascii_).strip("-").lower()[:120] or "document"
    return f"{stem}-fichier" if stem in _RESERVED else stem


def confined_path(directory: Path, name: str) -> Path:
    """`directory/name`, refusing a name that is absolute or leaves the directory."""
    candidate = Path(name)
    if (
        not name
        or candidate.is_absolute()
        or name.startswith(("/", "\\"))
        or ".." in re.split(r"[\\/]", name)
        or re.match(r"^[A-Za-z]:", name)
    ):
        raise BadInput(
            f"Nom de fichier de sortie refusé : « {name} ».",
            "Donnez un simple nom de fichier ; le dossier se choisit avec --out.",
        )
    base = Path(directory).resolve()
    target = (base / candidate).resolve()
    if base != target and base not in target.parents:
        raise BadInput(f"Nom de fichier de sortie refusé : « {name} » sort du dossier {base}.")
    return target
