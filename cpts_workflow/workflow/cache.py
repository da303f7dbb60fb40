"""The workflow catalogue's cache: its resolved state kept in one pickle file.

Every command builds the catalogue, and parsing and validating the YAML files cost more
than the rest of a `cpts show`. Once built, the catalogue's state (its layers and its
resolved definitions) is pickled into the user's cache folder and reused as long as
nothing it was built from changed. The file's name is a sha256 over:

- the cache format, the program's version, pydantic's version, Python's version, and the
  size and modification time of the modules whose classes are pickled (a source edited
  in a development checkout invalidates the cache without a version bump);
- the names of the registered guards and actions (a file naming a guard is valid or not
  depending on them);
- for every workflow file read, in order: whether it is shipped, its path (it appears in
  messages) and its exact bytes.

Only a successfully built catalogue is written: a broken file is read again, and refused
with its `file:line` message, every time. The file is written atomically, readable by its
owner only; a cache file that is not the user's own or that others may write is never
unpickled, a damaged one is rebuilt, and a cache folder that cannot be written just
means no cache. `CPTS_CACHE_DIR` moves the folder, `CPTS_CACHE_DIR=off` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import time
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "CPTS_CACHE_DIR"
# Bump when the pickled state changes shape (catalog._Layer, what `state` holds).
CACHE_FORMAT = 1
# Cache files kept in the folder: one per set of workflow files recently used.
KEEP_FILES = 8
_PREFIX = "workflows-"
_SUFFIX = ".pickle"
# Modules whose classes are in the pickle (extension: its module is not imported on a hit,
# but a change to it changes how definitions are built).
_MODULES = ("catalog.py", "catalog_cache.py", "definition.py", "extension.py")


def cache_dir() -> Path | None:
    """`CPTS_CACHE_DIR`, else the platform's cache folder for cpts-workflow; None when off."""
    setting = os.environ.get(CACHE_DIR_ENV, "").strip()
    if setting.lower() == "off":
        return None
    if setting:
        return Path(setting)
    from platformdirs import user_cache_path

    return user_cache_path("cpts-workflow")


def cache_file(files: list[tuple[Path, bool, bytes]]) -> Path | None:
    """Where the catalogue built from `files` (path, shipped, bytes) is kept; None when off."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / f"{_PREFIX}{cache_key(files)}{_SUFFIX}"


def cache_key(files: list[tuple[Path, bool, bytes]]) -> str:
    import pydantic

    from ..version import __version__
    from .guards import action_names, guard_names

    key = hashlib.sha256()

    def part(value: str | bytes) -> None:
        data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
        key.update(len(data).to_bytes(8, "big"))
        key.update(data)

    part(f"format {CACHE_FORMAT}")
    part(__version__)
    part(pydantic.VERSION)
    part(sys.version)
    here = Path(__file__).parent
    for name in _MODULES:
        try:
            info = (here / name).stat()
            part(f"{name} {info.st_size} {info.st_mtime_ns}")
        except OSError:
            part(f"{name} ?")
    part("guards")
    for name in guard_names():
        part(name)
    part("actions")
    for name in action_names():
        part(name)
    part("files")
    for path, shipped, raw in files:
        part("shipped" if shipped else "user")
        part(str(path))
        part(raw)
    return key.hexdigest()[:32]


def load(path: Path) -> Any | None:
    """The state stored in `path`, or None: missing, untrusted, damaged or another key."""
    try:
        data = _read_trusted(path)
        if data is None:
            return None
        stored = pickle.loads(data)  # noqa: S301 - the user's own file, that only they may write
    except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never an error
        return None
    if (
        isinstance(stored, tuple)
        and len(stored) == 3
        and stored[0] == CACHE_FORMAT
        and stored[1] == path.name
    ):
        return stored[2]
    return None


def _read_trusted(path: Path) -> bytes | None:
    """The bytes of a regular file owned by this user that nobody else may write, or None.

    Checked on the open file itself, so that it cannot be swapped between check and read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        geteuid = getattr(os, "geteuid", None)
        if not stat.S_ISREG(info.st_mode):
            return None
        if geteuid is not None and (info.st_uid != geteuid() or info.st_mode & 0o022):
            return None
        return handle.read()


def store(path: Path, state: Any) -> None:
    """Write `state` to `path` (atomically, owner-only); never fails a command."""
    from ..errors import BadInput
    from ..files import write_private

    try:
        data = pickle.dumps((CACHE_FORMAT, path.name, state), protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(path, data)
    except (OSError, BadInput):
        return
    _prune(path)


def _prune(written: Path) -> None:
    """Keep the `KEEP_FILES` most recently written cache files, and no stale temporary file
    (left by a process killed while writing)."""
    try:
        entries = []
        for entry in os.scandir(written.parent):
            name = entry.name
            if name.startswith(_PREFIX) and name.endswith(_SUFFIX) and name != written.name:
                entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
            elif name.startswith("." + _PREFIX) and entry.stat(follow_symlinks=False).st_mtime < time.time() - 3600:
                Path(entry.path).unlink(missing_ok=True)
        entries.sort(reverse=True)
        for _, old in entries[KEEP_FILES - 1 :]:
            Path(old).unlink(missing_ok=True)
    except OSError:
        pass
