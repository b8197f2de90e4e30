"""The C allocator's thresholds for a one-command process (glibc only).

glibc serves a large allocation (128 KiB at first) with a fresh ``mmap`` and returns it to the
system when it is freed; its threshold rises only past sizes already freed. numpy's stacked
temporaries of a bootstrap chunk (hundreds of small matrices, a few MiB each) are made and freed
hundreds of times, each one mapped afresh and touched page by page: about 100,000 minor page
faults in 5000 draws of a 14-item model (bench/README.md, issue 10 (d)). A process that runs one
command and exits can keep freed memory for reuse instead. This is a process-wide setting, so
only the console script makes it (:func:`semwb.cli.app.library_imports`), never the library.
"""

from __future__ import annotations

import os
import sys

#: ``mallopt`` parameters of glibc's ``malloc.h``.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
#: Allocations below this come from the heap (glibc's largest allowed value on 64-bit systems).
MMAP_THRESHOLD = 32 * 1024**2
#: Free memory at the top of the heap kept for reuse rather than returned to the system.
TRIM_THRESHOLD = 256 * 1024**2


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; whether they were set.

    Nothing is changed off Linux, without glibc (musl), or where the user has set the
    thresholds (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``GLIBC_TUNABLES``).
    """
    if not sys.platform.startswith("linux") or any(
            name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                            "GLIBC_TUNABLES")):
        return False
    import ctypes  # here: ``semwb --help`` imports this module, and ctypes only with numpy

    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
