"""Files the library writes for a user: private (owner-only), atomic, confined names."""

from __future__ import annotations

import errno
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .errors import BadInput, CptsError

_OS_REASONS = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "opération non permise",
    errno.EISDIR: "c'est un dossier",
    errno.ENOTDIR: "un élément du chemin n'est pas un dossier",
    errno.EEXIST: "un fichier de ce nom existe déjà",
    errno.ENOSPC: "disque plein",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EDQUOT: "quota disque dépassé",
    errno.EFBIG: "fichier trop grand",
    errno.EIO: "erreur d'entrée-sortie du disque",
    errno.ENAMETOOLONG: "nom de fichier trop long",
    errno.ELOOP: "trop de liens symboliques",
    errno.EINVAL: "nom ou opération invalide",
    errno.EBUSY: "fichier occupé",
    errno.ETXTBSY: "fichier occupé",
    errno.EMFILE: "trop de fichiers ouverts",
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
    # Never the system's English text: an unknown error is named by its code.
    return _OS_REASONS.get(exc.errno or 0, f"erreur système {errno.errorcode.get(exc.errno or 0, exc.errno)}")


def write_private(path: str | Path, data: bytes) -> Path:
    """Write `data` readable by its owner only (0600: it may hold personal data), atomically.

    The bytes go to a temporary file of the same folder, then replace the target in one
    rename: a crash leaves either the old file or the new one, never half of it. A folder,
    an empty name or a full disk is one French sentence, and nothing is left behind.
    """
    if str(path).strip() in ("", "."):  # click turns an empty --out into « . »
        raise BadInput("Le nom du fichier à écrire est vide.", "Donnez un nom de fichier.")
    path = Path(path)
    if path.is_dir():
        raise BadInput(
            f"{path} est un dossier : impossible d'y écrire un fichier à sa place.",
            "Donnez un nom de fichier, par exemple sauvegarde.json.",
        )
    if path.is_char_device():  # /dev/stdout, /dev/full: written in place, never replaced
        try:
            with path.open("wb") as device:
                device.write(data)
                device.flush()
        except OSError as exc:
            raise _write_failed(path, exc) from None
        return path
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
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_failed(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _write_failed(path: Path, exc: OSError) -> CptsError:
    return CptsError(f"Impossible d'écrire {path} ({os_reason(exc)}) ; rien n'a été écrit.",
                     "Libérez de la place ou choisissez un autre fichier.")


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
