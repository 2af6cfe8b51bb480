"""Local input files: read and checked before anything is uploaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from esign.core.errors import UsageError

PDF_MAGIC = b"%PDF-"
# Office formats a provider converts to PDF: OOXML is a zip, the old formats an OLE container.
OFFICE_MAGIC = {
    ".docx": b"PK\x03\x04",
    ".xlsx": b"PK\x03\x04",
    ".doc": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    ".xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
}
MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class LocalDocument:
    path: Path
    name: str  # file name, as the provider should show it
    content: bytes
    kind: str  # "pdf" or the office extension without its dot

    @property
    def is_pdf(self) -> bool:
        return self.kind == "pdf"


def read_document(path_text: str, *, max_bytes: int, allow_office: bool = False) -> LocalDocument:
    """Read a PDF (or, where the provider converts them, an Office file), refusing early."""
    path = Path(path_text)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise UsageError(f"no such file: {path_text}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path_text}: {exc.strerror}") from None
    if path.is_dir():
        raise UsageError(f"{path_text} is a directory, not a document")
    if size > max_bytes:
        raise UsageError(
            f"{path_text} is {size / MEGABYTE:.1f} MB; the provider accepts at most "
            f"{max_bytes / MEGABYTE:.0f} MB",
            hint="compress or split the document",
        )
    if size == 0:
        raise UsageError(f"{path_text} is empty")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path_text}: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if content.startswith(PDF_MAGIC):
        return LocalDocument(path=path, name=path.name, content=content, kind="pdf")
    if allow_office and suffix in OFFICE_MAGIC and content.startswith(OFFICE_MAGIC[suffix]):
        return LocalDocument(path=path, name=path.name, content=content, kind=suffix[1:])
    accepted = "a PDF or a .doc, .docx, .xls or .xlsx file" if allow_office else "a PDF"
    raise UsageError(f"{path_text} is not {accepted}")


def read_input(source: str, stdin: TextIO, *, limit: int, flag: str) -> bytes:
    """The bytes of FILE, or of stdin for `-`, for an option such as `--from` or `--input`:
    at most `limit` bytes (a list or a body, not a stream to read for ever: /dev/zero), or
    exit 2 naming the option."""
    what = "stdin" if source == "-" else source
    try:
        if source == "-":
            buffer = getattr(stdin, "buffer", None)
            data = buffer.read(limit + 1) if buffer is not None else None
            if data is None:  # an in-memory text stream (tests)
                data = stdin.read(limit + 1).encode("utf-8", "surrogateescape")
        else:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {flag} {what}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{flag} {what} is larger than {limit >> 20} MiB")
    return bytes(data)
