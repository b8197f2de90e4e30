"""One BLAS thread for the small matrices of a fit, without rescanning the libraries each time.

``threadpoolctl.threadpool_limits`` looks through every loaded shared library on each call
(a few ms); :func:`one_blas_thread` keeps one ``ThreadpoolController`` and makes a new one only
when modules were imported since (an import is what loads another BLAS, e.g. scipy's).
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from threadpoolctl import ThreadpoolController

_cached: tuple[int, ThreadpoolController] | None = None


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which every loaded BLAS / OpenMP library runs one thread.

    Returns
    -------
    contextlib.AbstractContextManager
        ``ThreadpoolController.limit(limits=1)``: the threads each library had are restored on
        exit.
    """
    global _cached
    if _cached is None or _cached[0] != len(sys.modules):
        _cached = (len(sys.modules), ThreadpoolController())
    limiter: AbstractContextManager[object] = _cached[1].limit(limits=1)
    return limiter
