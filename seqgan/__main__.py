"""``python -m seqgan``: the ``seqgan`` command."""

from seqgan.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
