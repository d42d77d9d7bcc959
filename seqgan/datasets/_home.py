"""The data home: where dataset files live, how they are checked and downloaded.

Files are looked up in ``$SEQGAN_DATA_HOME`` if set, else in ``$XDG_CACHE_HOME/seqgan`` (or
``~/.cache/seqgan``). A missing file is downloaded from its original public source into a
temporary file, its SHA-256 checked, and only then moved into place, so a failed or
interrupted download never leaves a partial file. A file whose checksum does not match is
refused with a message that says what to do.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemoteFile:
    """A dataset file: its name in the data home, checksum and where it comes from.

    ``url`` is None when no byte-identical public copy exists; ``how`` then tells the user
    how to get or make the file.
    """

    name: str
    sha256: str
    url: str | None
    how: str = ""


def get_data_home() -> Path:
    """The folder dataset files are read from (not created here)."""
    env = os.environ.get("SEQGAN_DATA_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "seqgan"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_file(remote: RemoteFile, *, download: bool = True) -> Path:
    """Path of ``remote`` in the data home, downloaded and checked when missing.

    Raises
    ------
    FileNotFoundError
        When the file is missing and cannot be downloaded (offline, no public copy); the
        message says where to put it.
    ValueError
        When the file's checksum differs from the expected one.
    """
    home = get_data_home()
    path = home / remote.name
    where = (f"Put the file at {path} (or set SEQGAN_DATA_HOME to the folder that holds "
             f"{remote.name}).")
    if not path.is_file():
        if not download or remote.url is None:
            how = f" {remote.how}" if remote.how else ""
            raise FileNotFoundError(f"Dataset file {remote.name!r} is not in the data home "
                                    f"{home}.{how} {where}")
        _download(remote, path, where)
    actual = sha256_of(path)
    if actual != remote.sha256:
        raise ValueError(f"{path} has SHA-256 {actual}, expected {remote.sha256}: the file is "
                         f"damaged or a different version. Delete it to download it again. "
                         f"{where}")
    return path


def _download(remote: RemoteFile, path: Path, where: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    logger.info("Downloading %s from %s", remote.name, remote.url)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(remote.url, timeout=60) as src:
            for block in iter(lambda: src.read(1 << 20), b""):
                out.write(block)
        actual = sha256_of(tmp)
        if actual != remote.sha256:
            raise ValueError(f"The download of {remote.name} from {remote.url} has SHA-256 "
                             f"{actual}, expected {remote.sha256}; nothing was saved. {where}")
        os.replace(tmp, path)
    except OSError as error:  # no network, HTTP errors, disk errors
        raise FileNotFoundError(f"Could not download {remote.name} from {remote.url} "
                                f"({error}). {where}") from None
    finally:
        tmp.unlink(missing_ok=True)
