"""Presigned file URLs that behave like S3's: they expire, and a changed byte in the path,
the expiry or the signature makes them fail with 403."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from urllib.parse import urlencode

ACCESS_KEY_ID = "ESIGNSANDBOXKEY"


class Presigner:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _signature(self, path: str, expires: int) -> str:
        mac = hmac.new(self._key, f"GET\n{expires}\n{path}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")

    def sign(self, origin: str, path: str, lifetime: float, now: float | None = None) -> str:
        """SigV2-style query: AWSAccessKeyId, Expires (epoch seconds), Signature."""
        expires = int((now if now is not None else time.time()) + lifetime)
        query = urlencode(
            {
                "AWSAccessKeyId": ACCESS_KEY_ID,
                "Expires": str(expires),
                "Signature": self._signature(path, expires),
            }
        )
        return f"{origin}{path}?{query}"

    def check(self, path: str, expires: str | None, signature: str | None) -> str | None:
        """None when valid, else the S3 error code."""
        if not expires or not signature:
            return "AccessDenied"
        try:
            expires_at = int(expires)
        except ValueError:
            return "AccessDenied"
        if not hmac.compare_digest(self._signature(path, expires_at), signature):
            return "SignatureDoesNotMatch"
        if time.time() > expires_at:
            return "AccessDenied"
        return None


def s3_error_body(code: str) -> str:
    message = {
        "AccessDenied": "Request has expired",
        "SignatureDoesNotMatch": "The request signature we calculated does not match the "
        "signature you provided.",
    }.get(code, "Access Denied")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
