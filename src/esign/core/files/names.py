"""File names from servers, made safe and kept within what file systems take
(ARCHITECTURE.md §7)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Every common Linux and macOS file system limits one name to 255 bytes (not characters).
MAX_NAME_BYTES = 255
# esign's own temporary files end so; a server name that does too is given its extension,
# so that a final name can never be another download's temporary file.
PART_SUFFIX = ".part"


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes (never half a
    character)."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


def fit_name(stem: str, extension: str, limit: int = MAX_NAME_BYTES) -> str:
    """`stem + extension` within `limit` bytes, shortening the stem and keeping the extension
    (a very long extension is not one: then the whole name is cut)."""
    if len(extension.encode("utf-8")) > 32:
        stem, extension = stem + extension, ""
    room = limit - len(extension.encode("utf-8"))
    return cut_utf8(stem, room) + extension


def split_extension(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name, ""
    return stem, "." + ext


def safe_filename(name: str | None, default_extension: str = ".pdf") -> str | None:
    """A server-suggested name reduced to a plain base name, or None if nothing is left."""
    if not name:
        return None
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if not name or set(name) <= {"."}:
        return None
    if name.lower().endswith(PART_SUFFIX):
        name += default_extension
    return fit_name(*split_extension(name))


def with_id(name: str, document_id: str) -> str:
    """`name` with the document's ID before its extension: the same for the same document
    on every run. An ID that leaves nothing usable gives a digest of it instead."""
    tag = "".join(ch for ch in document_id if ch.isalnum() or ch in "-_")
    if not tag:
        tag = hashlib.sha256(document_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    stem, extension = split_extension(name)
    return fit_name(f"{cut_utf8(stem, 120)}-{tag}", extension)


def with_digest(name: str, document_id: str) -> str:
    """A second, longer distinction for the rare name that `with_id` still leaves taken."""
    digest = hashlib.sha256(document_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    stem, extension = split_extension(with_id(name, document_id))
    return fit_name(f"{cut_utf8(stem, 200)}-{digest}", extension)


def filename_from_disposition(header: str | bytes | None) -> str | None:
    """The file name a Content-Disposition suggests; RFC 6266: `filename*` (RFC 5987, any
    charset) beats the plain `filename` fallback, wherever it stands.

    Given the header's raw bytes, a plain `filename="..."` in raw UTF-8 (what most servers
    send, against the letter of RFC 7230) is read as UTF-8; bytes that are not UTF-8 are
    read as Latin-1, the RFC's charset.
    """
    if not header:
        return None
    if isinstance(header, bytes):
        raw = header
        try:
            header = raw.decode("utf-8")
        except UnicodeDecodeError:
            header = raw.decode("latin-1")
    from email.message import Message
    from email.utils import collapse_rfc2231_value

    message = Message()
    message["content-disposition"] = header
    plain: str | None = None
    extended: str | None = None
    for key, value in message.get_params(header="content-disposition", failobj=[]):
        if key.lower() != "filename":
            continue
        if isinstance(value, tuple):
            # email hands back the percent-decoded bytes as latin-1 text; re-decode them.
            charset, _lang, text = value
            try:
                extended = text.encode("latin-1").decode(charset or "utf-8")
            except (LookupError, UnicodeError):
                extended = collapse_rfc2231_value(value)
        else:
            plain = value
    return extended or plain
