"""Child processes that die with the process that started them.

If the sandbox is SIGKILLed (a crashed terminal, a test runner's time-out) nothing runs its clean-up, and
a `ptpu serve` child would live on with PPID 1, holding port 8080. Linux's parent-death signal closes
that gap without any code in the service: `bound_to_this_process(argv)` wraps a command line so that

    python -m ptpu_sandbox.lifeline PARENT_PID -- argv...

asks the kernel (prctl PR_SET_PDEATHSIG, kept across exec) to SIGKILL it the moment its parent goes,
checks that the parent has not already gone, then execs `argv` in its place: the command keeps this
PID, so signals, process groups and exit codes are the command's own. SIGKILL, not SIGTERM: the parent
(and with it the sandbox's emulator the service talks to) is gone, so there is nothing to drain to; the
service is crash-safe by design (SPEC §6, tests/reliability/test_crash_recovery.py).

Why ctypes and not a library: prctl is one libc call; python-prctl needs libcap headers to build and
pyprctl has had no release since 2021. On other systems (macOS) the command runs without the guard.

The kernel's "parent" is the *thread* that started the child: start children from a thread that lives
as long as they should (the main thread, as `ptpu sandbox`, the e2e fixtures and the reliability
harness all do).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
EXIT_PARENT_GONE = 70  # EX_SOFTWARE: the parent died before the guard was armed
EXIT_USAGE = 2


def bound_to_this_process(argv: Sequence[str]) -> list[str]:
    """`argv` wrapped so that the command is SIGKILLed when this process (this thread) dies."""
    return [sys.executable, "-m", "ptpu_sandbox.lifeline", str(os.getpid()), "--", *argv]


def die_with_parent(parent_pid: int) -> bool:
    """Arm SIGKILL-on-parent-death for the calling process. False if `parent_pid` is already gone
    (we were re-parented before arming). OSError if the kernel refuses. Linux only; elsewhere True."""
    if not sys.platform.startswith("linux"):
        return True
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"prctl(PR_SET_PDEATHSIG): {os.strerror(errno)}")
    return os.getppid() == parent_pid


def main(argv: Sequence[str]) -> int:
    """`PARENT_PID -- COMMAND...`: arm the guard and exec COMMAND (never returns on success)."""
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        print("usage: python -m ptpu_sandbox.lifeline PARENT_PID -- COMMAND [ARG...]", file=sys.stderr)
        return EXIT_USAGE
    if not die_with_parent(int(argv[0])):
        return EXIT_PARENT_GONE
    command = list(argv[2:])
    os.execvp(command[0], command)
    return EXIT_USAGE  # not reached: execvp replaces this process or raises


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
