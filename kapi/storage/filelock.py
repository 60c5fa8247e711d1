"""An exclusive ``flock`` on ``<db>.lock`` so two kapi processes never share one database.

SQLite itself would let a second process open the file and both would then keep diverging
in-memory copies of the state; failing fast with the owner's pid is far clearer. ``flock``
locks belong to the open file description, so they vanish with the process (even on kill -9)
and a second open within the same process conflicts too. The lock file is never deleted:
unlinking it would race with another process that just opened it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os

from kapi.storage.interface import StoreLockedError


class FileLock:
    __slots__ = ("_fd", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, data_dir: str) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            raise StoreLockedError(
                f"data directory {data_dir} is in use by another kapi process (pid {owner}); "
                f"lock file {self.path}"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
