"""IndexHealth emulator, mounted under `/indexhealth`; reads like shared/providers/indexhealth.md.

Its API lives directly under the prefix (`/indexhealth/sync-document`, ...), as the spec's
examples put it directly under the host. Presigned files are served at `/indexhealth/files/...`.
Knobs on the store let tests meet each variant the spec leaves open: where the custom status
codes appear (`status_mode`), the token answer's form (`legacy_token_answer`), and token
lifetime with or without an `exp` claim.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from esign.sandbox.presign import Presigner, s3_error_body
from esign.sandbox.reply import Reply, replying
from esign.sandbox.state import SharedState

PROVIDER = "indexhealth"
PREFIX = "/indexhealth"
FILE_LIFETIME = 3600.0  # presigned download URLs are valid for one hour (spec §3.4)
DOCUMENT_TYPES = ("PDF", "DOCX", "TXT", "IMG", "OTHER")
MIME_BY_TYPE = {
    "PDF": "application/pdf",
    "DOCX": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "TXT": "text/plain",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

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

    # -- tokens: HS256 JWTs that really expire --------------------------------------------

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


class IndexHealthApi:
    def __init__(self, store: IndexHealthStore) -> None:
        self.store = store

    # -- the envelope (spec §1) -------------------------------------------------------------

    def envelope(self, code: int, data: Any = None, message: str = "OKAY") -> JSONResponse:
        if data is None:
            data = {}
        mode = self.store.status_mode
        if code == 200:
            return JSONResponse({"statusCode": 200, "data": data, "message": message})
        body: dict[str, Any] = {"data": data, "message": message}
        if mode in ("both", "body"):
            body = {"statusCode": code, **body}
        return JSONResponse(body, status_code=200 if mode == "body" else code)

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not token or not self.store.valid_token(token):
            raise Reply(self.envelope(403, message="UNAUTHORIZED"))

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(self.envelope(436, message="1. Request body is not valid JSON")) from None
        if not isinstance(body, dict):
            raise Reply(self.envelope(436, message="1. Request body must be a JSON object"))
        return body

    # -- §2 token --------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        body = await self._json(request)
        missing = [
            k for k in ("client_id", "client_secret", "fingerprint", "user") if not body.get(k)
        ]
        if missing:
            return self.envelope(435, message=f"Missing required fields: {', '.join(missing)}")
        user = body["user"] if isinstance(body["user"], dict) else {}
        names = [k for k in ("first_name", "last_name") if not user.get(k)]
        if names:
            return self.envelope(435, message=f"Missing required user fields: {', '.join(names)}")
        if not any(user.get(k) for k in ("email", "date_of_birth", "uid", "eid")):
            return self.envelope(
                435, message="Missing required user fields: date_of_birth or email or uid"
            )
        if user.get("email") and not EMAIL.match(str(user["email"])):
            return self.envelope(436, message="1. Invalid email format in user.email")
        domain = user.get("group_name") or body.get("group_name")
        if not domain:
            return self.envelope(435, message="Missing required user fields: group_name")
        if self.store.clients.get(str(body["client_id"])) != body["client_secret"]:
            return self.envelope(403, message="UNAUTHORIZED")
        token = self.store.issue_token(user, str(domain))
        if self.store.legacy_token_answer:
            # The Client Credentials page's form: `status`, `auth_token`, no message (§4b).
            return JSONResponse({"status": 200, "data": {"auth_token": token}})
        return self.envelope(200, {"access_token": token})

    # -- §3.1 sync ---------------------------------------------------------------------------

    async def sync_document(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        document_id = body.get("document_id")
        if document_id:
            doc = self.store.docs.get(str(document_id))
            if doc is None:
                return self.envelope(437, message="Document not found")
            if body.get("is_delete") is True:
                del self.store.docs[doc.document_id]
                return self.envelope(200, {"document_id": doc.document_id, "deleted": True})
            problem = self._apply(doc, body)
            if problem:
                return problem
            doc.updated_at = now_text()
            return self.envelope(200, self._details(doc))
        missing = [k for k in ("document_name", "collection_id") if not body.get(k)]
        if missing:
            return self.envelope(435, message=f"Missing required fields: {', '.join(missing)}")
        if str(body["collection_id"]) not in self.store.collections:
            return self.envelope(437, message="Collection not found")
        doc = IHDoc(
            document_id=str(uuid.uuid4()),
            collection_id=str(body["collection_id"]),
            name=str(body["document_name"]),
            document_type="OTHER",
        )
        if body.get("fileBase64"):
            try:
                doc.content = base64.b64decode(str(body["fileBase64"]), validate=True)
            except (binascii.Error, ValueError):
                return self.envelope(436, message="1. Invalid base64 in fileBase64")
            doc.mime = str(body.get("fileType") or "application/octet-stream")
            doc.file_path = f"documents/{doc.document_id}/{doc.name}"
        elif body.get("document_file_path"):
            doc.file_path = str(body["document_file_path"])
            doc.content = b""
        elif body.get("document_url"):
            doc.url = str(body["document_url"])
        else:
            return self.envelope(435, message="Missing required fields: fileBase64 or document_url")
        problem = self._apply(doc, body)
        if problem:
            return problem
        self.store.docs[doc.document_id] = doc
        self.store.shared.record(PROVIDER, "create_document", doc.document_id)
        return self.envelope(200, self._details(doc))

    def _apply(self, doc: IHDoc, body: dict[str, Any]) -> Response | None:
        doc_type = body.get("document_type")
        if doc_type is not None:
            if doc_type not in DOCUMENT_TYPES:
                return self.envelope(
                    436, message=f"1. Invalid document_type: must be one of {DOCUMENT_TYPES}"
                )
            doc.document_type = str(doc_type)
        if body.get("document_name"):
            doc.name = str(body["document_name"])
        if "document_description" in body:
            doc.description = str(body["document_description"] or "")
        if "document_priority" in body:
            doc.priority = str(body["document_priority"] or "")
        if "document_tags" in body:
            tags = body["document_tags"]
            if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
                return self.envelope(436, message="1. document_tags must be a list of strings")
            doc.tags = list(tags)  # replaced, not merged (gap 4: our choice)
        return None

    # -- §3.2 details, §3.3 list -------------------------------------------------------------

    def _item(self, doc: IHDoc) -> dict[str, Any]:
        elapsed = time.time() - doc.created_ts
        progress = (
            100
            if not doc.file_path
            else min(100, int(elapsed / max(self.store.processing_seconds, 1e-6) * 100))
        )
        return {
            "document_id": doc.document_id,
            "document_name": doc.name,
            "document_description": doc.description,
            "document_type": doc.document_type,
            "document_priority": doc.priority,
            "collection_id": doc.collection_id,
            "document_file_path": doc.file_path,
            "document_url": doc.url,
            "document_tags": doc.tags,
            "avg_progress": progress,
            "created_at": doc.created_at,
            "updated_at": doc.updated_at,
        }

    def _details(self, doc: IHDoc) -> dict[str, Any]:
        item = self._item(doc)
        # Progress is documented on list items only (spec §4b); details carry the collection
        # name and plans instead.
        del item["avg_progress"]
        item["collection_name"] = self.store.collections.get(doc.collection_id)
        item["associated_plans"] = [
            {"plan_id": "plan-basic", "plan_name": "Basic plan", "color": "#2a7ae2"}
        ]
        return item

    async def details(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        if not body.get("document_id"):
            return self.envelope(435, message="Document ID is required")
        doc = self.store.docs.get(str(body["document_id"]))
        if doc is None:
            return self.envelope(437, message="Document not found")
        return self.envelope(200, self._details(doc))

    async def list_documents(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        collection = body.get("collection_id")
        if not collection:
            return self.envelope(435, message="Collection ID is required")
        if str(collection) not in self.store.collections:
            return self.envelope(437, message="Collection not found")
        docs = [d for d in self.store.docs.values() if d.collection_id == collection]
        return self.envelope(200, [self._item(d) for d in docs])

    # -- §3.4 presigned download, §3.5 direct download -----------------------------------------

    def _downloadable(self, document_id: Any) -> IHDoc | Response:
        if not document_id:
            return self.envelope(435, message="Document ID is required")
        doc = self.store.docs.get(str(document_id))
        if doc is None:
            return self.envelope(437, message="Document not found")
        if doc.file_path is None or doc.content is None:
            return self.envelope(435, message="Document has no file path")
        return doc

    async def presign(self, request: Request) -> Response:
        self._authorize(request)
        body = await self._json(request)
        found = self._downloadable(body.get("document_id"))
        if isinstance(found, Response):
            return found
        origin = str(request.base_url).rstrip("/")
        url = self.store.presigner.sign_v4(
            origin, f"{PREFIX}/files/{found.document_id}", FILE_LIFETIME
        )
        return self.envelope(200, {"download_url": url})

    def _file_response(self, doc: IHDoc) -> Response:
        extension = doc.name.rsplit(".", 1)[-1] if "." in doc.name else ""
        mime = doc.mime or MIME_BY_TYPE.get(doc.document_type, "application/octet-stream")
        if not extension:
            import mimetypes

            extension = (mimetypes.guess_extension(mime) or "").lstrip(".")
        filename = doc.name if "." in doc.name else f"{doc.name}.{extension}".rstrip(".")
        safe = filename.replace('"', "").replace("\\", "")
        return Response(
            doc.content or b"",
            media_type=mime,
            headers={
                "Content-Disposition": f'attachment; filename="{safe}"',
                "Cache-Control": "no-cache",
            },
        )

    async def download(self, request: Request) -> Response:
        self._authorize(request)
        found = self._downloadable(request.path_params["document_id"])
        if isinstance(found, Response):
            return found
        return self._file_response(found)

    async def file(self, request: Request) -> Response:
        problem = self.store.presigner.check(request.url.path, request.query_params)
        if problem is not None:
            return Response(s3_error_body(problem), status_code=403, media_type="application/xml")
        doc = self.store.docs.get(request.path_params["document_id"])
        if doc is None or doc.content is None:
            return Response(
                s3_error_body("NoSuchKey"), status_code=404, media_type="application/xml"
            )
        return self._file_response(doc)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/generate-client-auth-token", replying(self.token), methods=["POST"]),
            Route("/sync-document", replying(self.sync_document), methods=["POST"]),
            Route("/get-document-details", replying(self.details), methods=["POST"]),
            Route("/get-documents", replying(self.list_documents), methods=["POST"]),
            Route("/download", replying(self.presign), methods=["POST"]),
            Route("/download/{document_id}", replying(self.download), methods=["GET"]),
            Route("/files/{document_id}", replying(self.file), methods=["GET"]),
        ]
