"""A process's memory, for the benchmarks' figures.

`peak_mb()` is the process's own high-water mark (Linux `VmHWM`), not `ru_maxrss`: Linux keeps
`ru_maxrss` across `exec`, so a benchmark step started as a subprocess would report its
parent's peak whenever that was higher. A forked process starts at the resident size it
inherited (shared pages count), as a Celery pool child does.
"""

from __future__ import annotations

import resource


def status_kb(field: str) -> int | None:
    """A field of /proc/self/status in kB (VmHWM, VmRSS), or None where there is no /proc."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _status_mb(field: str) -> float | None:
    found = status_kb(field)
    return found / 1024 if found is not None else None


def peak_mb() -> float:
    """This process's peak resident size in MB (elsewhere than Linux: ru_maxrss)."""
    found = _status_mb("VmHWM")
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident size now in MB (elsewhere than Linux: the peak so far)."""
    found = _status_mb("VmRSS")
    return found if found is not None else peak_mb()
