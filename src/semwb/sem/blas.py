"""One BLAS thread for the small matrices of a fit, without rescanning the libraries each time.

``threadpoolctl.threadpool_limits`` looks through every loaded shared library on each call
(a few ms); :func:`one_blas_thread` keeps one ``ThreadpoolController`` and makes a new one only
when an extension module was imported since (an extension's import is what loads another BLAS,
e.g. scipy's; pure-Python modules imported on first use, as most of semwb's are, load none).
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from importlib.machinery import EXTENSION_SUFFIXES

from threadpoolctl import ThreadpoolController

_cached: tuple[frozenset[str], ThreadpoolController] | None = None


def _is_extension(name: str) -> bool:
    origin = getattr(getattr(sys.modules.get(name), "__spec__", None), "origin", None)
    return isinstance(origin, str) and origin.endswith(tuple(EXTENSION_SUFFIXES))


def one_blas_thread() -> AbstractContextManager[object]:
    """A context in which every loaded BLAS / OpenMP library runs one thread.

    Returns
    -------
    contextlib.AbstractContextManager
        ``ThreadpoolController.limit(limits=1)``: the threads each library had are restored on
        exit.
    """
    global _cached
    if _cached is None or len(_cached[0]) != len(sys.modules):
        names = frozenset(sys.modules)
        if _cached is None or any(_is_extension(n) for n in names - _cached[0]):
            _cached = (names, ThreadpoolController())
        else:
            _cached = (names, _cached[1])
    limiter: AbstractContextManager[object] = _cached[1].limit(limits=1)
    return limiter
