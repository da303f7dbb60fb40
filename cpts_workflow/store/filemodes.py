"""A SQLite base is private: its folder 0700, the base 0600, and so its `-wal`/`-shm`.

SQLite creates the `-wal` and `-shm` files with the permissions of the base itself, so
creating the (empty) base file 0600 before SQLite opens it is enough: no process-wide
umask to change, which other threads would see. Bases made before, or moved by hand, are
checked by `cpts doctor` (`exposed_files`).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..errors import DatabaseError
from ..files import os_reason

SIDE_FILES = ("-wal", "-shm", "-journal")


def create_private_base(path: Path) -> None:
    """Create the base's folder (0700) and an empty base file (0600) when missing."""
    folder = path.parent
    try:
        if not folder.is_dir():
            # The folders above keep the default mode; the base's own folder is private.
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700)
    except OSError as exc:
        if not folder.is_dir():  # not another process creating it at the same moment
            raise DatabaseError(
                f"Impossible de créer le dossier de la base {folder} ({os_reason(exc)})."
            ) from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except FileExistsError:
        pass  # the base exists (or another process created it meanwhile, the same way)
    except OSError as exc:
        raise DatabaseError(
            f"Impossible de créer la base {path} ({os_reason(exc)}).",
            "Choisissez un dossier où vous pouvez écrire.",
        ) from None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another backend or an in-memory base."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def _mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def exposed_files(url: str) -> list[str]:
    """French warnings for a SQLite base, or its side files, open to other users.

    The base, its `-wal`, `-shm` (or `-journal`) must give nothing to the group and others
    (their content is the data). Its folder must let nobody else write in it (one could
    replace the base); read access to a folder only shows the names of its files.
    """
    path = sqlite_path(url)
    if path is None or not path.exists():
        return []
    warnings = []
    for file in [path, *(path.with_name(path.name + suffix) for suffix in SIDE_FILES)]:
        mode = _mode(file)
        if mode is not None and mode & 0o077:
            warnings.append(
                f"Le fichier {file} est ouvert à d'autres utilisateurs (droits {mode:04o}) "
                f"alors qu'il contient des données personnelles. Corrigez : chmod 600 {file}"
            )
    folder = path.parent
    mode = _mode(folder)
    sticky = mode is not None and bool(folder.stat().st_mode & stat.S_ISVTX)
    if mode is not None and mode & 0o022 and not sticky:
        warnings.append(
            f"D'autres utilisateurs peuvent écrire dans le dossier de la base {folder} "
            f"(droits {mode:04o}) et donc la remplacer. Corrigez : chmod 700 {folder}"
        )
    return warnings
