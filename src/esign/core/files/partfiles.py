"""Temporary download files: created so that nothing planted or raced is written through,
and known to the process so that whatever stops esign removes them all (ARCHITECTURE.md §7).

Each download writes to its own new file beside the target, `NAME.XXXXXXXX.part`, created
with O_CREAT|O_EXCL (never an existing file, never through a symlink someone planted there),
and moved into place only when complete: without --force by a hard link, which fails if the
target appeared meanwhile (two processes writing the same `-o` cannot both win), with --force
by rename. Final names never end in `.part` (see esign.core.files.names), so a temporary file and
another download's final file can never be the same path.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import threading
from pathlib import Path
from typing import BinaryIO

from esign.core.errors import EsignError, InterruptedByUser, UnexpectedError, UsageError
from esign.core.files.names import PART_SUFFIX, cut_utf8

# What the local side did wrong (exit 2) versus what went wrong under it (exit 1).
_USAGE_ERRNOS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOENT: "no such directory",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EISDIR: "is a directory",
    errno.ELOOP: "too many symbolic links",
}
_FAILURE_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EIO: "input/output error",
    errno.EFBIG: "file too large for the file system",
}


class LocalWriteError(UnexpectedError):
    """The file system failed under a write (disk full, I/O error): exit 1."""

    error_type = "local_io"


def write_error(exc: OSError, path: Path | str) -> EsignError:
    """An OSError while writing `path` as one line with the documented exit code."""
    code = exc.errno or 0
    if code in _USAGE_ERRNOS:
        return UsageError(
            f"cannot write {path}: {_USAGE_ERRNOS[code]}",
            hint="choose another -o, or fix the directory's permissions",
        )
    reason = _FAILURE_ERRNOS.get(code) or exc.strerror or type(exc).__name__
    return LocalWriteError(
        f"cannot write {path}: {reason}", hint="nothing was saved; free space and try again"
    )


class PartFiles:
    """The temporary files of this process's downloads that are not yet complete."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: set[Path] = set()
        self._abandoned = False

    def create(self, target: Path, *, readable: bool = False) -> tuple[BinaryIO, Path]:
        """A new, empty temporary file beside `target`, open for writing (and reading, for
        a download that hashes its kept bytes again to resume)."""
        access = os.O_RDWR if readable else os.O_WRONLY
        flags = access | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        # The name stays short enough for the file system whatever the target's length.
        stem = cut_utf8(target.name, 200)
        while True:
            path = target.with_name(f"{stem}.{secrets.token_hex(4)}{PART_SUFFIX}")
            with self._lock:
                if self._abandoned:
                    raise InterruptedByUser("interrupted; the partial download was removed")
                try:
                    fd = os.open(path, flags, 0o666)  # the umask decides, as for any new file
                except FileExistsError:
                    continue
                self._open.add(path)
            return os.fdopen(fd, "w+b" if readable else "wb"), path

    def commit(self, part: Path, target: Path, *, replace: bool) -> None:
        """Move the complete `part` to `target`; without `replace`, never over a file that
        exists, even one that appeared since the download started."""
        with self._lock:
            if self._abandoned:
                raise InterruptedByUser("interrupted; the partial download was removed")
            if replace:
                os.replace(part, target)
            else:
                _link_no_clobber(part, target)
            self._open.discard(part)

    def discard(self, part: Path) -> None:
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                part.unlink()
            self._open.discard(part)

    def abandon(self) -> None:
        """Remove every temporary file now, and refuse new ones: for a stop (Ctrl-C, SIGTERM)
        that does not wait for the downloads' own threads to notice."""
        with self._lock:
            self._abandoned = True
            for part in self._open:
                with contextlib.suppress(OSError):
                    part.unlink()
            self._open.clear()


def _link_no_clobber(part: Path, target: Path) -> None:
    try:
        os.link(part, target, follow_symlinks=False)
    except FileExistsError:
        raise UsageError(f"{target} already exists", hint="add --force to overwrite it") from None
    except OSError as exc:
        # File systems without hard links (FAT, some network mounts): check, then rename.
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if os.path.lexists(target):
            raise UsageError(
                f"{target} already exists", hint="add --force to overwrite it"
            ) from None
        os.rename(part, target)
        return
    os.unlink(part)


PART_FILES = PartFiles()
