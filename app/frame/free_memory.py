"""Freed memory back to the system before a large allocation (issue 45).

glibc keeps what a request freed in its arenas (photos decoded, pages rendered, query rows): the
server's RSS stays at its high-water mark of the day although much of it is free. A 32 MB scrypt hash
on top of that made the day's peak (bench/bench_day.py). `malloc_trim(0)` hands every whole free page
back first (a few ms at ~100 MB of heap). Elsewhere than glibc (the office PCs' Windows) it does
nothing: there the C runtime's heap gives back on its own terms."""
import ctypes
import sys
import threading

_libc = None
_looked = threading.Lock()


def _glibc():
    global _libc
    with _looked:
        if _libc is None:
            _libc = False
            if sys.platform.startswith("linux"):
                try:
                    libc = ctypes.CDLL("libc.so.6")
                    libc.malloc_trim.argtypes = [ctypes.c_size_t]
                    _libc = libc
                except (OSError, AttributeError):  # musl or another C library: nothing to trim
                    pass
        return _libc


def give_back() -> None:
    libc = _glibc()
    if libc:
        libc.malloc_trim(0)
