"""Redaction of secrets from anything esign writes about HTTP traffic (ARCHITECTURE.md §3, §6)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[REDACTED]"

# Every secret value this process has held (esign.core.config.secret.Secret registers itself; the
# secret typed into `auth login` and exchanged tokens too). Redaction consults them wherever
# text is shortened, so that a cut never leaves the first half of a key in plain sight.
_REMEMBERED: set[str] = set()


def remember(value: str) -> None:
    # Below 8 characters a value is no credential worth masking in every text (a test's "x",
    # a placeholder), and masking it everywhere would garble ordinary words.
    if len(value.strip()) >= 8:
        _REMEMBERED.add(value)


SECRET_HEADERS = frozenset(
    {"authorization", "x-api-key", "proxy-authorization", "cookie", "set-cookie"}
)
# JSON field and query parameter names that carry secrets (or presigned-URL signatures).
_SECRET_NAME = re.compile(
    r"(secret|token|password|passwd|api[_-]?key|apikey|authorization|signature|credential"
    r"|^sig$|^key$|x-amz-security-token|otp)",
    re.IGNORECASE,
)
_LONG_STRING = 160


# A JSON field is not a presigned URL's query: `signature` there names a document's
# signature fields and settings (OKdokument's allowedFields.SIGNATURE, ZapSign's
# signature_order_active), not a credential.
_SECRET_FIELD = re.compile(
    r"(secret|token|password|passwd|api[_-]?key|apikey|authorization|credential|^key$|otp)",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def redact_url(url: str) -> str:
    """Mask query values that are signatures or tokens, and any userinfo."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    if not parts.query:
        return urlunsplit(parts._replace(netloc=netloc))
    query = [
        (k, REDACTED if is_secret_name(k) else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="[]")))


# Headers whose value is a URL: a redirect to a presigned URL carries its signature there.
URL_HEADERS = frozenset({"location", "content-location", "link"})


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    shown = []
    for key, value in headers:
        name = key.lower()
        if name in SECRET_HEADERS:
            value = REDACTED
        elif name in URL_HEADERS:
            value = redact_url(value)
        shown.append((key, value))
    return shown


def redact_json(value: Any) -> Any:
    """Secret-named fields masked; long strings (base64 documents) shortened."""
    if isinstance(value, Mapping):
        return {
            k: _masked_leaves(v) if _SECRET_FIELD.search(str(k)) else redact_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    if isinstance(value, str):
        if value.startswith(("http://", "https://")):
            return redact_url(value)
        if len(value) > _LONG_STRING:
            return f"{scrub(value)[:40]}…({len(value)} chars)"  # redacted first, then cut
    return value


def _masked_leaves(value: Any) -> Any:
    """What a secret-like name holds: its strings and numbers masked, however deep
    (`tokens: [...]`, `credentials: {value: ...}`); its flags, nulls and shape shown, which
    are no secret and which a --debug reader needs (`signature_order_active: true`,
    `allowedFields.SIGNATURE: [{page: ...}]` keeps its keys)."""
    if isinstance(value, Mapping):
        return {k: _masked_leaves(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_leaves(v) for v in value]
    if isinstance(value, bool) or value is None or value == "":
        return value
    return REDACTED


def redact_body(body: bytes, content_type: str | None) -> str:
    if not body:
        return ""
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind.endswith("json") or body[:1] in (b"{", b"["):
        try:
            return json.dumps(redact_json(json.loads(body)), ensure_ascii=False)
        except ValueError:
            pass
    if kind.startswith("text/") or kind in ("", "application/x-www-form-urlencoded"):
        text = scrub(body[:4000].decode("utf-8", "replace"))
        return text[:2000] + ("…" if len(body) > 2000 else "")
    return f"<{len(body)} bytes of {kind or 'binary data'}>"


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Last line of defence: any known secret value that slipped into text is masked, as
    written and in the forms an error message or a traceback would show it (without its
    surrounding whitespace, escaped by repr() of str or bytes, or by JSON). `secrets` are
    added to those the process remembers."""
    forms = {form for secret in {*secrets, *_REMEMBERED} for form in _shown_forms(secret)}
    # Longest first, across all secrets: a secret that contains another is masked whole.
    for form in sorted(forms, key=len, reverse=True):
        if len(form) >= 4 and form in text:
            text = text.replace(form, REDACTED)
    return text


def _shown_forms(secret: str) -> set[str]:
    if not secret:
        return set()
    forms = {secret, secret.strip(), repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    try:
        forms.add(repr(secret.encode("latin-1"))[2:-1])
    except UnicodeEncodeError:
        forms.add(repr(secret.encode("utf-8"))[2:-1])
    return forms


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters of `text`, secrets masked before the cut: cut first, a
    secret straddling the limit would leave its first half unrecognizable and in view."""
    return scrub(text)[:limit]


def excerpt(text: str, limit: int = 200) -> str | None:
    """A non-JSON error body (an HTML error page, a proxy's text) as one short line, secrets
    masked before it is shortened."""
    without_tags = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", text, flags=re.S | re.I)
    line = " ".join(without_tags.split())
    return shorten(line, limit) or None
