"""OKdokument emulator, mounted under `/okdokument`; reads like shared/providers/okdokument.md.

Routes keep the spec's paths beneath the prefix: `/JSON/...` for the API, `/openDocument/{id}`
and `/viewDocument` for the signer. Where the spec is silent, the choices of its §13 are
followed and marked "(invented)" or "(inferred)".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from esign.sandbox.callbacks import post_callback
from esign.sandbox.pdf import make_pdf, stamp_pdf, synthetic_chunks
from esign.sandbox.reply import Reply, replying
from esign.sandbox.state import SharedState

PROVIDER = "okdokument"
PREFIX = "/okdokument"
MAX_BYTES = 10 * 1024 * 1024
# Documented `tags` processing is asynchronous; the emulator finishes it after this long.
TAG_PROCESSING_SECONDS = 1.0
SERVER_TIMEZONE = "Europe/Bratislava"


def _demo_key(label: str, prefix: str) -> str:
    return f"{prefix}_{hashlib.sha256(label.encode()).hexdigest()}"


# Keys follow the documented shape ^[0-9a-f]{8,9}_[0-9a-f]{64,128}$ (spec §2).
DEMO_API_KEY = _demo_key("esign-sandbox-okdokument-demo", "5a4d0c1e")
# A key whose account has no API activation: every call answers 403.
FORBIDDEN_API_KEY = _demo_key("esign-sandbox-okdokument-forbidden", "0f0f0f0f")


@dataclass
class Doc:
    id: str
    owner: str
    filename: str
    state: str
    original: bytes
    created_ms: int
    modified: datetime
    number: str
    signed: bytes | None = None
    ready_at: float = 0.0  # for `tags`: when tag processing completes
    synthetic_size: int | None = None  # generated on the fly (large-download tests)

    def current_state(self) -> str:
        if self.state in ("tags", "preprocessing_tags") and time.time() >= self.ready_at:
            self.state = "tosign"
        return self.state

    def content(self) -> bytes:
        return self.signed if self.signed is not None else self.original


@dataclass
class SigRequest:
    id: str
    doc_id: str
    owner: str
    resulturl: str | None
    send_info_url: str | None
    expires_ms: int | None
    deleted: bool = False
    outcome: str | None = None  # "signed" | "canceled"
    rules: dict[str, str] = field(default_factory=dict)

    def expired(self) -> bool:
        return self.expires_ms is not None and time.time() * 1000 > self.expires_ms


@dataclass
class Counters:
    stored: int = 0
    used_requests: int = 0
    downloaded: int = 0
    deleted: int = 0
    available_requests: int = 1000


@dataclass
class OKdokumentStore:
    shared: SharedState
    keys: dict[str, bool] = field(
        default_factory=lambda: {DEMO_API_KEY: True, FORBIDDEN_API_KEY: False}
    )
    docs: dict[str, Doc] = field(default_factory=dict)
    requests: dict[str, SigRequest] = field(default_factory=dict)
    counters: dict[str, Counters] = field(default_factory=dict)

    def new_doc(self, owner: str, filename: str | None, state: str, content: bytes) -> Doc:
        doc_id = new_document_id()
        now = datetime.now(UTC)
        doc = Doc(
            id=doc_id,
            owner=owner,
            filename=filename or f"{uuid.uuid4()}.pdf",
            state=state,
            original=content,
            created_ms=int(now.timestamp() * 1000),
            modified=now,
            number=str(int(now.timestamp() * 1000)),
            ready_at=time.time() + TAG_PROCESSING_SECONDS,
        )
        self.docs[doc_id] = doc
        self.counter(owner).stored += 1
        return doc

    def counter(self, owner: str) -> Counters:
        return self.counters.setdefault(owner, Counters())

    def doc_of(self, owner: str, doc_id: str) -> Doc | None:
        doc = self.docs.get(doc_id)
        return doc if doc is not None and doc.owner == owner else None

    def find_for_signing(self, some_id: str) -> tuple[Doc, SigRequest | None] | None:
        """A document by its id or by one of its signature request ids (any key)."""
        if some_id in self.requests:
            req = self.requests[some_id]
            doc = self.docs.get(req.doc_id)
            return (doc, req) if doc else None
        doc = self.docs.get(some_id)
        if doc is None:
            return None
        live = [r for r in self.requests.values() if r.doc_id == doc.id and not r.deleted]
        return doc, (live[-1] if live else None)


def new_document_id() -> str:
    """39 URL-safe characters, as in the examples. Real IDs may start with '-' (users then
    write `esign doc info -- -abc`); the sandbox spares its users that."""
    while True:
        candidate = secrets.token_urlsafe(30)[:39]
        if not candidate.startswith("-"):
            return candidate


# -- envelopes (spec §3.2, §3.3; §13.2) ----------------------------------------------------


def ok(message: str, result: str, **extra: Any) -> JSONResponse:
    body = {
        "code": "SUCCESS",
        "message": message,
        "result": result,
        "statusCode": 200,
        "success": True,
        **extra,
    }
    return JSONResponse(body)


def fail(status: int, message: str, value: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "message": message,
        "code": message,
        "statusCode": status,
        "success": False,
    }
    if value is not None:
        body["value"] = value
    return JSONResponse(body, status_code=status)


def _local_time(moment: datetime) -> str:
    # The tz database, not the client's esign.core.bratislava: the emulator stays a separate
    # program, and the end-to-end tests compare two independent conversions.
    try:
        from zoneinfo import ZoneInfo

        moment = moment.astimezone(ZoneInfo(SERVER_TIMEZONE))
    except (ImportError, KeyError, OSError):
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _site(request: Request) -> str:
    """Absolute origin + prefix, built from how the client reached us."""
    return str(request.base_url).rstrip("/") + PREFIX


class OKdokumentApi:
    def __init__(self, store: OKdokumentStore) -> None:
        self.store = store

    # -- auth (spec §2; 401/403 bodies are invented) -------------------------------------

    def _owner(self, request: Request) -> str:
        key = request.headers.get("x-api-key", "")
        if key not in self.store.keys:
            raise Reply(fail(401, "err.unauthorized"))
        if not self.store.keys[key]:
            raise Reply(fail(403, "err.forbidden"))
        return key

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(fail(400, "err.bad.request")) from None
        if not isinstance(body, dict):
            raise Reply(fail(400, "err.bad.request"))
        return body

    # -- 6.1 create signature request ------------------------------------------------------

    async def create_signature_request(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        request_id = str(body.get("signatureRequestId") or uuid.uuid4())
        if request_id in self.store.requests:
            return fail(409, "err.signature.request.exists", request_id)  # (inferred)
        filedata = body.get("filedata")
        if filedata is not None:
            decoded = _decode_file(filedata, body)
            if isinstance(decoded, Response):
                return decoded
            content, filename, state = decoded
            doc = self.store.new_doc(owner, filename, state, content)
        elif body.get("id"):
            found = self.store.doc_of(owner, str(body["id"]))
            if found is None:
                return fail(404, "err.not.found", str(body["id"]))
            doc = found
            change = body.get("changeState")
            if change:
                doc.state = str(change)
                doc.modified = datetime.now(UTC)
        else:
            return fail(400, "err.missing.filedata.or.id")  # (invented)
        send_info = body.get("sendInfoURL") or body.get("sendInfoUrl") or _rule(body, "sendInfo")
        self.store.requests[request_id] = SigRequest(
            id=request_id,
            doc_id=doc.id,
            owner=owner,
            resulturl=body.get("resulturl") or _rule(body, "resulturl"),
            send_info_url=send_info,
            expires_ms=_epoch_ms(body.get("expirationTime")),
            rules=_rules(body),
        )
        counters = self.store.counter(owner)
        counters.used_requests += 1
        counters.available_requests -= 1
        self.store.shared.record(PROVIDER, "create_signature_request", request_id)
        return ok(
            "msg.signature.request.id.created",
            request_id,
            url=f"{_site(request)}/openDocument/{request_id}",
            documentId=doc.id,
        )

    # -- 6.11 update / 6.14 callback registration ------------------------------------------

    async def update_signature_request(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        request_id = str(body.get("signatureRequestId") or "")
        return self._update(request, owner, request_id, body)

    async def register_callback(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if not (body.get("sendInfoURL") or body.get("sendInfoUrl")):
            return fail(400, "err.bad.request")
        return self._update(request, owner, request.path_params["request_id"], body)

    def _update(
        self, request: Request, owner: str, request_id: str, body: dict[str, Any]
    ) -> Response:
        sig = self.store.requests.get(request_id)
        if sig is None or sig.owner != owner or sig.deleted:
            # Exactly the documented body (6.11): a free-text message, not an err.* key.
            return JSONResponse(
                {"message": f"View ID does not exist: {request_id}", "value": request_id},
                status_code=400,
            )
        # Both spellings are documented (gap 1).
        send_info = body.get("sendInfoURL") or body.get("sendInfoUrl")
        if send_info:
            sig.send_info_url = str(send_info)
        if body.get("resulturl"):
            sig.resulturl = str(body["resulturl"])
        # The documented example's url lacks /openDocument/ (gap 8); reproduced on purpose.
        return ok("msg.updated", request_id, url=f"{_site(request)}/{request_id}")

    # -- 6.12 delete signature request -------------------------------------------------------

    async def delete_signature_request(self, request: Request) -> Response:
        owner = self._owner(request)
        request_id = request.path_params["request_id"]
        sig = self.store.requests.get(request_id)
        if sig is None or sig.owner != owner or sig.deleted:
            return fail(400, "err.signature.request.not.exist", request_id)
        sig.deleted = True
        return ok("msg.deleted", request_id)

    # -- 6.3 upload (JSON) and 6.2 upload (multipart) ---------------------------------------

    async def upload_json(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if body.get("file") is None:
            return fail(400, "err.bad.request")
        decoded = _decode_file(body["file"], body)
        if isinstance(decoded, Response):
            return decoded
        content, filename, state = decoded
        doc = self.store.new_doc(owner, filename, state, content)
        self.store.shared.record(PROVIDER, "upload_document", doc.id)
        # The documented key is cut off at "msg.docum…" (gap 9): completed here (invented).
        return ok("msg.document.uploaded", doc.id)

    async def upload_multipart(self, request: Request) -> Response:
        owner = self._owner(request)
        import json

        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return fail(400, "err.bad.request")
        meta_part = form.get("dataText") or form.get("data")
        try:
            if meta_part is None:
                meta: dict[str, Any] = {}
            elif isinstance(meta_part, str):
                meta = json.loads(meta_part)
            else:
                meta = json.loads(await meta_part.read())
        except ValueError:
            return fail(400, "err.bad.request")
        content = await upload.read()
        if len(content) > MAX_BYTES:
            return fail(400, "err.file.too.large")
        if not _is_document(content, upload.filename):
            return fail(400, "err.file.format")
        doc = self.store.new_doc(
            owner, upload.filename, str(meta.get("state") or "tosign"), content
        )
        if str(meta.get("signatureRequestId", "")).lower() == "off":
            # Storage only: no signature process, no credit (spec 6.2, inferred).
            self.store.shared.record(PROVIDER, "upload_document", doc.id)
            return ok("msg.document.uploaded", doc.id, documentId=doc.id)
        request_id = str(meta.get("signatureRequestId") or uuid.uuid4())
        if request_id in self.store.requests:
            return fail(409, "err.signature.request.exists", request_id)
        self.store.requests[request_id] = SigRequest(
            id=request_id,
            doc_id=doc.id,
            owner=owner,
            resulturl=meta.get("resulturl"),
            send_info_url=meta.get("sendInfoURL") or meta.get("sendInfoUrl"),
            expires_ms=_epoch_ms(meta.get("expirationTime")),
        )
        self.store.counter(owner).used_requests += 1
        self.store.shared.record(PROVIDER, "create_signature_request", request_id)
        return ok(
            "msg.signature.request.id.created",
            request_id,
            url=f"{_site(request)}/openDocument/{request_id}",
            documentId=doc.id,
        )

    # -- 6.7 download, 6.8 delete, 6.10 metadata, 6.9 list, 6.13 counter ---------------------

    async def download(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        self.store.counter(owner).downloaded += 1
        name = doc.filename if doc.filename.lower().endswith(".pdf") else f"{doc.filename}.pdf"
        if doc.synthetic_size is not None and doc.signed is None:
            return StreamingResponse(
                synthetic_chunks(doc.synthetic_size),
                media_type="application/pdf",
                headers={
                    "Content-Disposition": _disposition(name),
                    "Content-Length": str(doc.synthetic_size),
                },
            )
        # Documented as application/json, but the body is the PDF (gap 11): we say what it is.
        return Response(
            doc.content(),
            media_type="application/pdf",
            headers={"Content-Disposition": _disposition(name)},
        )

    async def delete_document(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        del self.store.docs[doc_id]
        for sig in self.store.requests.values():
            if sig.doc_id == doc_id:
                sig.deleted = True
        self.store.counter(owner).deleted += 1
        return ok("msg.deleted", doc_id)

    async def metadata(self, request: Request) -> Response:
        owner = self._owner(request)
        doc_id = request.path_params["doc_id"]
        doc = self.store.doc_of(owner, doc_id)
        if doc is None:
            return fail(404, "err.not.found", doc_id)
        return JSONResponse(self._info(doc))

    async def list_flat(self, request: Request) -> Response:
        owner = self._owner(request)
        wanted = request.query_params.get("state") or "*"  # no state = all (§13.8)
        items = []
        for doc in self.store.docs.values():
            if doc.owner != owner:
                continue
            if wanted != "*" and doc.current_state() != wanted:
                continue
            item = self._info(doc)
            item["url"] = f"{_site(request)}/rest/document/{doc.id}"
            item["group"] = "api_user"
            items.append(item)
        return JSONResponse(items)

    async def counter(self, request: Request) -> Response:
        owner = self._owner(request)
        c = self.store.counter(owner)
        month = datetime.now(UTC)
        bucket = f"{month.year}.{month.month}.sandbox"
        return JSONResponse(
            {
                "actual": {
                    "sandbox.storedFiles": str(c.stored),
                    "sandbox.deleted.f": str(c.deleted),
                    "sandbox.usedSignatureRequests": str(c.used_requests),
                    "sandbox.downloaded": str(c.downloaded),
                    "sandbox.availableSignatureRequests": str(c.available_requests),
                },
                "downloaded": {bucket: str(c.downloaded)},
                "files": {bucket: str(c.stored)},
                "deleted.f": {bucket: str(c.deleted)},
                "signatureRequests": {bucket: str(c.used_requests)},
            }
        )

    def _info(self, doc: Doc) -> dict[str, Any]:
        return {
            "filename": doc.filename,
            "state": doc.current_state(),
            "modification": _local_time(doc.modified),
            "id": doc.id,
            "date": doc.created_ms,
            "number": doc.number,
        }

    # -- signer side: 6.4 open document, the signing page, 6.5 callback, 6.6 result URL -----

    async def open_document(self, request: Request) -> Response:
        request_id = request.path_params["request_id"]
        sig = self.store.requests.get(request_id)
        if sig is None or sig.deleted or sig.expired() or sig.doc_id not in self.store.docs:
            return fail(400, "err.signature.request.not.exist", request_id)
        query = urlencode({"id": sig.doc_id, "request": request_id})
        return RedirectResponse(f"{_site(request)}/viewDocument?{query}", status_code=302)

    async def view_document(self, request: Request) -> Response:
        doc = self.store.docs.get(request.query_params.get("id", ""))
        request_id = request.query_params.get("request", "")
        if doc is None:
            return HTMLResponse("<h1>Document not found</h1>", status_code=404)
        action = f"{_site(request)}/viewDocument/submit"
        page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(doc.filename)} - OKdokument sandbox</title></head><body>
<h1>{html.escape(doc.filename)}</h1><p>State: {html.escape(doc.current_state())}</p>
<p>This is the esign sandbox's stand-in for OKdokument's signing page.</p>
<form method="post" action="{html.escape(action)}">
<input type="hidden" name="request" value="{html.escape(request_id)}">
<label>Your name <input name="signer" value="Sandbox Signer"></label>
<button name="action" value="sign">Submit</button>
<button name="action" value="cancel">Close</button></form></body></html>"""
        return HTMLResponse(page)

    async def submit(self, request: Request) -> Response:
        form = await request.form()
        request_id = str(form.get("request", ""))
        action = "cancel" if form.get("action") == "cancel" else "sign"
        signer = str(form.get("signer") or "Sandbox Signer")
        result = await self.sign(request_id, action=action, signer=signer)
        if "error" in result:
            return HTMLResponse(f"<h1>{html.escape(result['error'])}</h1>", status_code=400)
        sig = self.store.requests[request_id]
        doc = self.store.docs[sig.doc_id]
        params = {
            "name": doc.filename.rsplit(".", 1)[0],
            "docid": doc.id,
            "lang": "en",
            "result": "success" if action == "sign" else "close",
            "ts": str(int(time.time() * 1000)),
        }
        target = sig.resulturl or f"{_site(request)}/thankYouPage.html"
        return RedirectResponse(_append_query(target, params), status_code=302)

    async def thank_you(self, request: Request) -> Response:
        return HTMLResponse("<h1>Thank you</h1><p>The document was processed.</p>")

    async def sign(self, some_id: str, *, action: str, signer: str) -> dict[str, Any]:
        """Press Submit (or Close) for a document or signature request; used by the signing
        page and by `esign sandbox sign`. Returns the new state or an error."""
        found = self.store.find_for_signing(some_id)
        if found is None:
            return {
                "error": f"no OKdokument document or signature request {some_id!r}",
                "status": 404,
            }
        doc, sig = found
        if sig is None or sig.deleted:
            return {"error": "the document has no open signature request", "status": 409}
        if sig.expired():
            return {"error": "the signature request has expired", "status": 409}
        state = doc.current_state()
        if state != "tosign":
            return {"error": f"the document is {state!r}, not 'tosign'", "status": 409}
        if action == "sign":
            try:
                doc.signed = stamp_pdf(doc.content(), signer=signer, provider=PROVIDER)
            except ValueError:
                # Office uploads are "converted" by the real service; the sandbox keeps bytes.
                doc.signed = doc.content()
            doc.state = "signed"
        else:
            doc.state = "canceled"
        doc.modified = datetime.now(UTC)
        sig.outcome = doc.state
        if sig.send_info_url:
            payload = {"state": doc.state, "id": doc.id, "signatureRequestId": sig.id}
            delivered = await post_callback(self.store.shared, PROVIDER, sig.send_info_url, payload)
            if not delivered:
                doc.state = "errorsendinfo"
        return {"provider": PROVIDER, "id": doc.id, "request_id": sig.id, "state": doc.state}

    def add_synthetic(self, api_key: str, size: int, name: str) -> str:
        """A signed document of `size` generated bytes, for download tests and benchmarks:
        signed, because only a signed document is downloaded without --any-state."""
        doc = self.store.new_doc(api_key, name, "signed", b"")
        doc.synthetic_size = size
        return doc.id

    def routes(self) -> list[Route]:
        return [
            Route(
                "/JSON/signatureRequest", replying(self.create_signature_request), methods=["POST"]
            ),
            Route(
                "/JSON/signatureRequest", replying(self.update_signature_request), methods=["PATCH"]
            ),
            Route(
                "/JSON/signatureRequest/{request_id}",
                replying(self.register_callback),
                methods=["POST"],
            ),
            Route(
                "/JSON/signatureRequest/{request_id}",
                self.delete_signature_request,
                methods=["DELETE"],
            ),
            Route("/JSON/upload", replying(self.upload_multipart), methods=["POST"]),
            Route("/JSON/document", replying(self.upload_json), methods=["POST"]),
            Route("/JSON/document/metadata/{doc_id}", replying(self.metadata), methods=["GET"]),
            Route("/JSON/document/{doc_id}", replying(self.download), methods=["GET"]),
            Route("/JSON/document/{doc_id}", replying(self.delete_document), methods=["DELETE"]),
            Route("/JSON/list/flat", replying(self.list_flat), methods=["GET"]),
            Route("/JSON/counter", replying(self.counter), methods=["GET"]),
            Route("/rest/document/{doc_id}", replying(self.download), methods=["GET"]),
            Route("/openDocument/{request_id}", replying(self.open_document), methods=["GET"]),
            Route("/viewDocument", replying(self.view_document), methods=["GET"]),
            Route("/viewDocument/submit", replying(self.submit), methods=["POST"]),
            Route("/thankYouPage.html", replying(self.thank_you), methods=["GET"]),
        ]


# -- helpers ---------------------------------------------------------------------------


def _rule(body: dict[str, Any], name: str) -> str | None:
    """A rule from `rules`, given as an object (new docs) or a `k-v_k-v` string (old docs)."""
    rules = body.get("rules")
    if isinstance(rules, dict):
        value = rules.get(name)
        return str(value) if value else None
    if isinstance(rules, str):
        for pair in rules.split("_"):
            key, _, value = pair.partition("-")
            if key == name and value:
                return value
    return None


def _rules(body: dict[str, Any]) -> dict[str, str]:
    """Every rule given, from the object form (new docs) or the `k-v_k-v` string (old)."""
    rules = body.get("rules")
    if isinstance(rules, dict):
        return {str(k): str(v) for k, v in rules.items()}
    if isinstance(rules, str):
        pairs = (pair.partition("-") for pair in rules.split("_") if pair)
        return {key: value for key, _, value in pairs if key}
    return {}


def _decode_file(
    wrapper: Any, body: dict[str, Any]
) -> tuple[bytes, str | None, str] | JSONResponse:
    """`filedata`/`file` as an object with `content` (or `$content`), or a bare base64 string
    (the connector's form); filename and state inside it (6.1) or at the top level (6.3)."""
    if isinstance(wrapper, str):
        encoded: Any = wrapper
        wrapper = {}
    elif isinstance(wrapper, dict):
        encoded = wrapper.get("content") or wrapper.get("$content")
    else:
        return fail(400, "err.bad.request")
    if not isinstance(encoded, str) or not encoded:
        return fail(400, "err.missing.content")  # (invented)
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return fail(400, "err.invalid.base64")  # (invented)
    if len(content) > MAX_BYTES:
        return fail(400, "err.file.too.large")  # (invented); limit on decoded bytes
    filename = wrapper.get("filename") or body.get("filename")
    if not _is_document(content, filename):
        return fail(400, "err.file.format")  # (invented)
    if not content.startswith(b"%PDF-"):
        # The service converts Office files to PDF (spec §3.5); the emulator stands one in.
        content = make_pdf([f"Converted from {filename}", "(esign sandbox stand-in)"])
    state = str(wrapper.get("state") or body.get("state") or "tosign")
    if state not in ("tosign", "tags", "tostamp", "preprocessing_tags"):
        return fail(400, "err.invalid.state", state)
    return content, filename, state


def _is_document(content: bytes, filename: Any) -> bool:
    if content.startswith(b"%PDF-"):
        return True
    name = str(filename or "").lower()
    return name.endswith((".doc", ".docx", ".xls", ".xlsx"))


def _epoch_ms(value: Any) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _disposition(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _append_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
