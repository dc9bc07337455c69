"""Preparing an upload's chunks in a second process while this one stores.

An upload chunk has a pure part (reading, mapping, validation, normalization,
blind indexes, encryption, the COPY rows: ``processing.prepare_chunk``) and a
part that needs the database (judging against stored leads, storing, the
checkpoint). ``in_children`` runs the pure part in forked children (each
preparing every *n*-th chunk) that write each chunk, pickled, into a pipe;
this process reads them in order and stores them, so the next chunks are
prepared while one is stored. The pure part is most of the CPU, hence more
than one child.

A plain ``os.fork`` rather than ``multiprocessing``: Celery's prefork pool runs
tasks in daemonic processes, which multiprocessing forbids to have children.
The child touches no database (the inherited connections are dropped from its
copy of Django) and stops with ``os._exit``; it dies when the pipe breaks, so a
killed or finished worker leaves nothing behind. Nothing it does is stored, so
a crash on either side costs only preparing again from the checkpoint.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from functools import partial
from typing import BinaryIO, TypeVar

from django.db import connections

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"
_PIPE_BUFFER = 1 << 20
_INHERITED: list[object] = []  # in a child: the worker's connections, never closed


class HelperLost(Exception):
    """The child stopped without finishing (killed, out of memory)."""


def _transferable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 (our own object)
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _run_child(produce: Callable[[], Iterator[object]], write_fd: int) -> int:
    # The worker's objects are shared with it page by page until written: the cyclic
    # collector's passes over them would write to (so copy) every page they are on.
    # Only what this process makes is collected.
    gc.freeze()
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)  # the worker's shutdown handlers are not ours
    for connection in connections.all(initialized_only=True):
        # Never speak on the worker's database socket, nor close it: closing sends the
        # server a goodbye that would end the worker's session. The inherited objects
        # are kept alive until os._exit; anything here would open its own connection.
        _INHERITED.append(connection.connection)
        connection.connection = None
    with os.fdopen(write_fd, "wb", buffering=_PIPE_BUFFER) as out:
        try:
            for item in produce():
                pickle.dump((_ITEM, item), out, protocol=pickle.HIGHEST_PROTOCOL)
                out.flush()
            pickle.dump((_END, None), out)
        except BrokenPipeError:
            return 0  # the worker stopped reading (its time budget, or it died)
        except Exception as exc:  # the worker raises it as its own
            pickle.dump((_ERROR, _transferable(exc)), out)
        out.flush()
    return 0


def _start(produce: Callable[[], Iterator[object]]) -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_fd)
            code = _run_child(produce, write_fd)
        finally:
            os._exit(code)
    os.close(write_fd)
    return pid, read_fd


def in_children(produce: Callable[[int, int], Iterator[T]], *, processes: int) -> Iterator[T]:
    """Yield, in order, the items of ``processes`` forked children, child *k* computing
    ``produce(k, processes)``: items *k*, *k + processes*, ... of the whole sequence.
    An exception there is raised here; a child that vanishes raises HelperLost.
    Closing the iterator early stops the children."""
    children: list[tuple[int, BinaryIO]] = []
    try:
        for share in range(processes):
            pid, read_fd = _start(partial(produce, share, processes))
            children.append((pid, os.fdopen(read_fd, "rb", buffering=_PIPE_BUFFER)))
        for number in itertools.count():
            _pid, source = children[number % processes]
            try:
                kind, item = pickle.load(source)  # noqa: S301 (our own child's pipe)
            except (EOFError, pickle.UnpicklingError) as exc:
                raise HelperLost("a preparing process stopped") from exc
            if kind == _END:  # item *number* does not exist, nor any after it
                return
            if kind == _ERROR:
                raise item
            yield item
    finally:
        for pid, source in children:
            source.close()
            _stop(pid)


def _stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)  # done, or no longer wanted: its work is never stored
    os.waitpid(pid, 0)
