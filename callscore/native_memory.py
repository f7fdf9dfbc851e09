"""Keep the native heap from growing with the number of calls scored in one process.

PyTorch, CTranslate2, soxr and numpy allocate each call's large buffers (audio, features, activations) with
malloc. glibc keeps what they free in its heaps for reuse instead of returning it (its mmap threshold rises
to the largest block freed, up to 32 MB), and the next call's buffers, of other sizes, fit the holes badly:
resident memory grew with every call (`bench/memory.py --repeat 2`: peak RSS of 8 calls 1.30x that of 2).
Buffers of 4 MB and more now always come from mmap and go back when freed, and the heap's free pages are
handed back before each call (1.01x, same CPU time).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

M_MMAP_THRESHOLD = -3  # mallopt parameter number (glibc malloc.h)
MMAP_THRESHOLD_BYTES = 4 << 20  # at 128 KB (glibc's start value) page faults cost 40 % more CPU time


@functools.cache
def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    if not hasattr(libc, "malloc_trim"):  # not glibc (musl, macOS): nothing to do
        return None
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)  # once per process; also stops the threshold rising
    return libc


def before_each_call() -> None:
    """Call before scoring each call of a batch (costs a few ms)."""
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)
