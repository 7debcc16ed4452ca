"""Process-wide undo stack for everything the lab creates.

Every namespace, process and file the lab makes registers an undo action
here. The actions run in reverse order when their owner's context manager
exits, and, as a safety net, at interpreter exit (atexit) and on SIGTERM /
SIGHUP / SIGINT (turned into exceptions so that `with` blocks and pytest
finalizers unwind normally). A SIGKILLed run leaves namespaces behind; their
names carry the creator's pid, and sweep_stale() removes those whose creator
is gone.
"""
from __future__ import annotations

import atexit
import itertools
import os
import signal
import sys
import threading
from typing import Callable

_lock = threading.RLock()
_actions: dict[int, tuple[str, Callable[[], None]]] = {}
_ids = itertools.count(1)


def register(description: str, action: Callable[[], None]) -> int:
    """Adds an undo action; returns a token for unregister()/run_one()."""
    with _lock:
        token = next(_ids)
        _actions[token] = (description, action)
        return token


def unregister(token: int) -> None:
    with _lock:
        _actions.pop(token, None)


def run_one(token: int) -> None:
    """Runs one undo action now (if still registered) and forgets it."""
    with _lock:
        entry = _actions.pop(token, None)
    if entry is not None:
        _run(*entry)


def run_all() -> None:
    """Runs every registered action, newest first. Never raises."""
    while True:
        with _lock:
            if not _actions:
                return
            token = max(_actions)
            entry = _actions.pop(token)
        _run(*entry)


def _run(description: str, action: Callable[[], None]) -> None:
    try:
        action()
    except BaseException as e:  # cleanup must go on whatever one step does
        print(f"labkit: cleanup '{description}' failed: {e!r}", file=sys.stderr)


atexit.register(run_all)


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM/SIGHUP arrives, so that the same
    unwinding as for Ctrl-C happens."""


def install_signal_handlers() -> None:
    """Turns SIGTERM and SIGHUP into Interrupted, and makes SIGINT raise
    KeyboardInterrupt even where it was inherited as ignored (a background
    job of a non-interactive shell). Call from the main thread."""

    def handler(signum, _frame):
        raise Interrupted(f"signal {signal.Signals(signum).name}")

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
