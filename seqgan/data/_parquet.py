"""Writing long DataFrames to one Parquet file chunk by chunk (``seqgan sample -o x.parquet``).

pyarrow is an optional dependency (``pip install seqgan[parquet]``): it is imported when a
Parquet file is written, and its absence is reported then, with what to install.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise ImportError("Writing Parquet files needs pyarrow, which is not installed: "
                          "pip install seqgan[parquet] (or pip install pyarrow), or write a "
                          ".csv file instead.") from None
    return pyarrow, pyarrow.parquet


class ParquetChunkWriter:
    """Append DataFrames with the same columns to one Parquet file (one row group each).

    The first frame fixes the schema; later frames are cast to it, so a column whose first
    chunk happened to hold only integers keeps that type. Use it as a context manager:
    ``with ParquetChunkWriter(path) as w: w.write(frame)``.
    """

    def __init__(self, path: str | Path) -> None:
        self._pa, self._pq = _pyarrow()
        self.path = Path(path)
        self._writer: Any = None
        self._schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        table = self._pa.Table.from_pandas(frame, schema=self._schema, preserve_index=False)
        if self._writer is None:
            self._schema = table.schema
            self._writer = self._pq.ParquetWriter(self.path, self._schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self) -> ParquetChunkWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
