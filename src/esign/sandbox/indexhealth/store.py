"""What the IndexHealth emulator knows: API clients, collections, documents, the knobs for the
spec's open questions, and the bearer tokens it issues (HS256 JWTs that really expire, §2)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from esign.sandbox.presign import Presigner
from esign.sandbox.state import SharedState

PROVIDER = "indexhealth"

DEMO_CLIENT_ID = "esign-sandbox-client"
DEMO_CLIENT_SECRET = "ihs_" + hashlib.sha256(b"esign-sandbox-indexhealth").hexdigest()[:40]
DEMO_USER = {
    "user_first_name": "Sandbox",
    "user_last_name": "User",
    "user_email": "sandbox.user@example.com",
    "group_name": "sandbox",
}
DEMO_COLLECTION = "col-demo"


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class IHDoc:
    document_id: str
    collection_id: str
    name: str
    document_type: str
    description: str = ""
    priority: str = ""
    tags: list[str] = field(default_factory=list)
    file_path: str | None = None
    content: bytes | None = None
    mime: str | None = None
    url: str | None = None
    created_at: str = field(default_factory=now_text)
    updated_at: str = field(default_factory=now_text)
    created_ts: float = field(default_factory=time.time)


@dataclass
class IndexHealthStore:
    shared: SharedState
    clients: dict[str, str] = field(default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET})
    collections: dict[str, str] = field(
        default_factory=lambda: {DEMO_COLLECTION: "Demo collection", "col-archive": "Archive"}
    )
    docs: dict[str, IHDoc] = field(default_factory=dict)
    presigner: Presigner = field(default_factory=Presigner)
    jwt_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    # Knobs for the spec's open questions (see the module docstring).
    status_mode: str = "both"  # "both" | "body" | "http"
    legacy_token_answer: bool = False  # {status, data.auth_token}: the Client Credentials page
    token_lifetime: float = 3600.0
    token_has_exp: bool = True
    processing_seconds: float = 2.0
    tokens_issued: int = 0
    revoked_before: float = 0.0

    # -- tokens: HS256 JWTs that really expire ---------------------------------------------

    def issue_token(self, user: dict[str, Any], domain: str) -> str:
        issued = time.time()
        claims: dict[str, Any] = {
            "domain": domain,
            "user_email": user.get("email"),
            "iat": issued,
            "jti": uuid.uuid4().hex,
        }
        if self.token_has_exp:
            claims["exp"] = int(issued + self.token_lifetime)
        claims["_lifetime"] = self.token_lifetime  # server-side expiry, with or without exp
        self.tokens_issued += 1
        self.shared.record(PROVIDER, "generate_token", claims["jti"])
        return _jwt(claims, self.jwt_key)

    def valid_token(self, token: str) -> bool:
        try:
            header, payload, signature = token.split(".")
        except ValueError:
            return False
        expected = _b64(hmac.new(self.jwt_key, f"{header}.{payload}".encode(), "sha256").digest())
        if not hmac.compare_digest(expected, signature):
            return False
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        issued = float(claims.get("iat", 0))
        return issued >= self.revoked_before and time.time() < issued + float(claims["_lifetime"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _jwt(claims: dict[str, Any], key: bytes) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = _b64(hmac.new(key, f"{header}.{payload}".encode(), "sha256").digest())
    return f"{header}.{payload}.{signature}"
