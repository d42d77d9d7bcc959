"""The MNIST test set from its idx files."""

from __future__ import annotations

import gzip
import hashlib
from typing import Any

import numpy as np

from seqgan._validation import check_int, check_random_state
from seqgan.datasets._home import RemoteFile, fetch_file
from seqgan.datasets._registry import register

_MIRROR = "https://raw.githubusercontent.com/kelas/mnist/283b387221ab46655e600cfcc25d843bb14292b9/"
IMAGES = RemoteFile("mnist/t10k-images-idx3-ubyte.gz",
                    "167310007f03058885c7e95e6c0b19c20de5c7fd3031f4cbdadc9014a523d80b",
                    _MIRROR + "t10k-images-idx3-ubyte.gz")
LABELS = RemoteFile("mnist/t10k-labels-idx1-ubyte.gz",
                    "fc607395669ec21321ea83e4b82c0544b7e8e63ff5b34337c06bc0a17cc0da3c",
                    _MIRROR + "t10k-labels-idx1-ubyte.gz")
#: MD5 of the decompressed payloads, as published by the MNIST loaders.
PAYLOAD_MD5 = {IMAGES.name: "2646ac647ad5339dbf082846283269ea",
               LABELS.name: "27ae3e4e09519cfbb04c329615203637"}


def _read_idx(remote: RemoteFile, magic: int) -> np.ndarray:
    payload = gzip.decompress(fetch_file(remote).read_bytes())
    if hashlib.md5(payload).hexdigest() != PAYLOAD_MD5[remote.name]:
        raise ValueError(f"{remote.name} does not hold the MNIST test set (payload MD5 "
                         "differs).")
    found = int.from_bytes(payload[:4], "big")
    if found != magic:
        raise ValueError(f"{remote.name}: idx magic {found}, expected {magic}.")
    ndim = payload[3]
    shape = [int.from_bytes(payload[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(payload, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@register("mnist", "MNIST test set: 10000 images 1x28x28 in [-1, 1], 10 classes", kind="file")
def load_mnist(*, n_samples: int | None = None, return_labels: bool = False,
               random_state: Any = None) -> Any:
    """The MNIST test set (LeCun, Cortes, Burges), from the canonical idx files.

    Files: ``mnist/t10k-images-idx3-ubyte.gz`` and ``mnist/t10k-labels-idx1-ubyte.gz`` in the
    data home (downloaded when missing; the decompressed payloads are checked against their
    published MD5s).

    Parameters
    ----------
    n_samples : int, optional
        A random subset of this size.
    return_labels : bool
        Also return the labels.
    random_state : int, numpy Generator or None

    Returns
    -------
    X : ndarray (n, 1, 28, 28) float32 in [-1, 1] (pixel / 127.5 - 1)
    y : ndarray (n,) int64, with ``return_labels``
    """
    X = (_read_idx(IMAGES, 2051).astype(np.float32) / 127.5 - 1.0)[:, None]
    y = _read_idx(LABELS, 2049).astype(np.int64)
    if n_samples is not None:
        n_samples = check_int("n_samples", n_samples, low=1, high=len(X), owner="load_mnist")
        idx = np.sort(check_random_state(random_state).choice(len(X), n_samples,
                                                              replace=False))
        X, y = X[idx], y[idx]
    return (X, y) if return_labels else X
