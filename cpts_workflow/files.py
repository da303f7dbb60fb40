"""Files the library writes for a user: private (owner-only), atomic, confined names."""

from __future__ import annotations

import errno
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import BadInput

_OS_REASONS = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
}

# Names Windows refuses whatever the extension.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(1, 10)),
    *(f"lpt{i}" for i in range(1, 10)),
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in French (the system's text is in English)."""
    return _OS_REASONS.get(exc.errno or 0, exc.strerror or exc.__class__.__name__)


def write_private(path: str | Path, data: bytes) -> Path:
    """Write `data` readable by its owner only (0600: it may hold personal data), atomically.

    The bytes go to a temporary file of the same folder, then replace the target in one
    rename: a crash leaves either the old file or the new one, never half of it.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise BadInput(
            f"Impossible d'écrire dans le dossier {path.parent} ({os_reason(exc)}).",
            "Choisissez un autre chemin.",
        ) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def inside(base: str | Path, path: str | Path) -> Path:
    """`path` resolved under `base`; `BadInput` when it would leave it (`..`, absolute, link)."""
    root = Path(base).resolve()
    target = (root / path).resolve()
    if target != root and root not in target.parents:
        raise BadInput(
            f"Le chemin « {path} » sort du dossier de sortie {root}.",
            "Donnez un nom de fichier relatif à ce dossier, sans « .. ».",
        )
    return target


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
            "Donnez un simple nom de fichier ; le dossier se choisit à part.",
        )
    return inside(directory, candidate)
