"""Writing files so that a crash never leaves a half-written one: the one atomic writer of
model files and checkpoints.

Each write goes through one temporary file beside the target (``.<name>.<random>.tmp``), locked
while it is written, flushed and fsynced, then renamed over the target (and the folder
fsynced). A write killed half-way leaves its temp file behind; the next write to the same
target removes such leftovers (those no live writer holds locked). Files get the usual
permissions of the user's umask (0644 under umask 022), or 0600 with ``private=True``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

logger = logging.getLogger(__name__)

#: Without file locks (Windows), leftovers older than this many seconds count as stale.
STALE_AFTER_S = 3600.0
_umask_lock = threading.Lock()


def current_umask() -> int:
    """The process umask (read without changing it for other threads)."""
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def temp_pattern(path: Path) -> str:
    """The glob of the temp files of writes to ``path``."""
    return f".{path.name}.*.tmp"


def remove_stale_temp_files(path: str | os.PathLike) -> int:
    """Remove temp files left by killed writes to ``path``; returns how many were removed."""
    path = Path(path)
    removed = 0
    for tmp in path.parent.glob(temp_pattern(path)):
        if _in_use(tmp):
            continue
        with contextlib.suppress(FileNotFoundError):
            size = tmp.stat().st_size
            tmp.unlink()
            removed += 1
            logger.info(
                "Removed %s (%d bytes), left by an interrupted write of %s.", tmp, size, path.name
            )
    return removed


def _in_use(tmp: Path) -> bool:
    """Whether a live writer holds ``tmp`` (its lock; without locks: modified recently)."""
    if fcntl is None:  # pragma: no cover
        try:
            return time.time() - tmp.stat().st_mtime < STALE_AFTER_S
        except FileNotFoundError:
            return True
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except FileNotFoundError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # also releases a lock taken here
    return False


def atomic_write(
    path: str | os.PathLike, write: Callable[[BinaryIO], None], *, private: bool = False
) -> Path:
    """Call ``write(handle)`` on a temporary file beside ``path``, flush it to disk, then
    rename it over ``path``: a crash mid-write leaves any old file intact. ``private``: mode
    0600 instead of the umask's. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.fchmod(fd, 0o600 if private else 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
            os.replace(tmp, path)  # while still locked: no cleaner takes it for a leftover
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
