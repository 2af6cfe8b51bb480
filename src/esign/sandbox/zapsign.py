"""ZapSign emulator, mounted under `/zapsign`; reads like shared/providers/zapsign.md.

The API keeps its documented paths beneath the prefix (`/zapsign/api/v1/docs/{token}/`), with
and without the trailing slash. Signer pages live at `/zapsign/verificar/{signer_token}` and
presigned files at `/zapsign/files/...`, outside the API path, as S3 is outside the API host.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import html
import itertools
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from esign.sandbox.callbacks import post_callback
from esign.sandbox.pdf import make_pdf, stamp_pdf, watermark_pdf
from esign.sandbox.presign import Presigner, s3_error_body
from esign.sandbox.reply import Reply, replying
from esign.sandbox.state import SharedState

PROVIDER = "zapsign"
PREFIX = "/zapsign"
API = "/api/v1"
MAX_BYTES = 10 * 1024 * 1024
PAGE_SIZE = 25
FILE_LIFETIME = 3600.0  # presigned file URLs expire after 60 minutes (spec 6.5)
RATE_LIMIT_PER_MINUTE = 500  # spec §4
LANGS = ("pt-br", "es", "en", "fr")
DOC_EVENTS = ("doc_created", "doc_signed", "doc_deleted", "doc_refused")  # the "All" type
WEBHOOK_ATTEMPTS = 3
REQUIRED = "Este campo é obrigatório."


def _demo_token(label: str) -> str:
    return str(uuid.UUID(hashlib.sha256(label.encode()).hexdigest()[:32]))


DEMO_API_TOKEN = _demo_token("esign-sandbox-zapsign-demo")
NO_PLAN_API_TOKEN = _demo_token("esign-sandbox-zapsign-no-plan")  # 402 on create
OTHER_ENV_API_TOKEN = _demo_token("esign-sandbox-zapsign-production")  # 403 everywhere


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Account:
    kind: str = "ok"  # "ok" | "no_plan" | "other_env"
    limit_per_minute: int = RATE_LIMIT_PER_MINUTE
    window: int = -1
    used: int = 0
    open_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


@dataclass
class ZSigner:
    token: str
    name: str
    email: str
    send_automatic_email: bool = False
    external_id: str = ""
    auth_mode: str = "assinaturaTela"
    status: str = "new"
    times_viewed: int = 0
    last_view_at: str | None = None
    signed_at: str | None = None
    phone_country: str = ""
    phone_number: str = ""
    qualification: str = ""
    redirect_link: str = ""


@dataclass
class ZDoc:
    token: str
    owner: str
    open_id: int
    name: str
    original: bytes
    lang: str
    signers: list[ZSigner]
    external_id: str = ""
    folder_path: str = "/"
    status: str = "pending"
    signed: bytes | None = None
    created_at: str = field(default_factory=now_text)
    last_update_at: str = field(default_factory=now_text)
    deleted: bool = False
    deleted_at: str | None = None
    rejected_reason: str | None = None
    date_limit_to_sign: str | None = None
    metadata: list[dict[str, Any]] = field(default_factory=list)
    disable_signer_emails: bool = False
    signed_file_only_finished: bool = False
    parent: str | None = None  # an extra document's main document
    extras: list[str] = field(default_factory=list)

    def touch(self) -> None:
        self.last_update_at = now_text()

    def in_progress(self) -> bool:
        return self.status == "pending" and not self.deleted


@dataclass
class Webhook:
    id: int
    owner: str
    url: str
    type: str
    doc_token: str | None
    headers: list[dict[str, str]]

    def wants(self, event: str, doc_token: str) -> bool:
        if self.doc_token and self.doc_token != doc_token:
            return False
        return event in DOC_EVENTS if self.type == "" else event == self.type


@dataclass
class ZapSignStore:
    shared: SharedState
    accounts: dict[str, Account] = field(
        default_factory=lambda: {
            DEMO_API_TOKEN: Account(),
            NO_PLAN_API_TOKEN: Account(kind="no_plan"),
            OTHER_ENV_API_TOKEN: Account(kind="other_env"),
        }
    )
    docs: dict[str, ZDoc] = field(default_factory=dict)
    signer_docs: dict[str, str] = field(default_factory=dict)
    webhooks: list[Webhook] = field(default_factory=list)
    webhook_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    presigner: Presigner = field(default_factory=Presigner)

    def find(self, some_id: str) -> tuple[ZDoc, ZSigner | None] | None:
        """A document by its token, or a signer's document by the signer's token."""
        if some_id in self.docs:
            return self.docs[some_id], None
        doc_token = self.signer_docs.get(some_id)
        if doc_token is None:
            return None
        doc = self.docs[doc_token]
        return doc, next(s for s in doc.signers if s.token == some_id)


def err(status: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def not_found() -> JSONResponse:
    return err(404, detail="Não encontrado.")  # DRF's default, in the PT locale


class ZapSignApi:
    def __init__(self, store: ZapSignStore) -> None:
        self.store = store
        self._tasks: set[asyncio.Task[None]] = set()

    # -- auth and rate limit (spec §2, §4) ----------------------------------------------

    def _owner(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        # The legacy ?api_token= form is still what the official SDKs send.
        token = token or request.query_params.get("api_token", "")
        if not token:
            raise Reply(err(401, detail="As credenciais de autenticação não foram fornecidas."))
        account = self.store.accounts.get(token)
        if account is None:
            raise Reply(err(401, detail="Invalid API token."))
        if account.kind == "other_env":
            raise Reply(err(403, detail="Você não tem permissão para executar essa ação."))
        window = int(time.time() // 60)
        if account.window != window:
            account.window, account.used = window, 0
        account.used += 1
        if account.used > account.limit_per_minute:
            # Not documented, but ZapSign's own client honours it when present (spec §4).
            retry_after = str(max(1, int(60 - time.time() % 60)))
            raise Reply(
                JSONResponse(
                    {"detail": "Request was throttled."},
                    status_code=429,
                    headers={"Retry-After": retry_after},
                )
            )
        return token

    async def _json(self, request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise Reply(err(400, detail="JSON parse error")) from None
        if not isinstance(body, dict):
            raise Reply(err(406, detail="Body must be a JSON object"))
        return body

    def _mine(self, owner: str, token: str) -> ZDoc | None:
        doc = self.store.docs.get(token)
        return doc if doc is not None and doc.owner == owner else None

    # -- serialization (spec 6.5, 6.6) --------------------------------------------------

    def _file_url(self, request: Request, doc: ZDoc, kind: str) -> str:
        origin = str(request.base_url).rstrip("/")
        return self.store.presigner.sign(
            origin, f"{PREFIX}/files/{doc.token}/{kind}.pdf", FILE_LIFETIME
        )

    def _signer_json(
        self, request: Request, signer: ZSigner, *, sign_url: bool = False
    ) -> dict[str, Any]:
        """A signer object. `sign_url` only where the docs show one: the create, add-signer
        and update-signer answers; the detail samples (document and signer) and the webhook
        payloads have none (gap 19)."""
        link = {"sign_url": self._sign_url(request, signer)} if sign_url else {}
        return {
            "external_id": signer.external_id,
            **link,
            "token": signer.token,
            "status": signer.status,
            "name": signer.name,
            "lock_name": False,
            "lock_email": False,
            "hide_email": False,
            "blank_email": False,
            "phone_country": signer.phone_country,
            "phone_number": signer.phone_number,
            "lock_phone": False,
            "hide_phone": False,
            "blank_phone": False,
            "times_viewed": signer.times_viewed,
            "last_view_at": signer.last_view_at,
            "signed_at": signer.signed_at,
            "auth_mode": signer.auth_mode,
            "email": signer.email,
            "qualification": signer.qualification,
            "require_selfie_photo": False,
            "require_document_photo": False,
            "geo_latitude": None,
            "geo_longitude": None,
            "redirect_link": signer.redirect_link,
            "signature_image": None,
            "visto_image": None,
            "send_via": "email" if signer.send_automatic_email else "",
            "resend_attempts": None,
            "cpf": None,
            "cnpj": None,
            "selfie_validation_type": "none",
            "ip": None,
        }

    def _sign_url(self, request: Request, signer: ZSigner) -> str:
        return f"{str(request.base_url).rstrip('/')}{PREFIX}/verificar/{signer.token}"

    def _doc_json(self, request: Request, doc: ZDoc, *, sign_urls: bool = False) -> dict[str, Any]:
        return {
            "sandbox": True,
            "external_id": doc.external_id,
            "open_id": doc.open_id,
            "token": doc.token,
            "name": doc.name,
            "folder_path": doc.folder_path,
            "folder_token": None,
            "status": doc.status,
            "rejected_reason": doc.rejected_reason,
            "lang": doc.lang,
            "original_file": self._file_url(request, doc, "original"),
            "signed_file": self._file_url(request, doc, "signed") if doc.signed else None,
            "extra_docs": [self._extra_json(request, self.store.docs[t]) for t in doc.extras],
            "created_through": "api",
            "deleted": doc.deleted,
            "deleted_at": doc.deleted_at,
            "signed_file_only_finished": doc.signed_file_only_finished,
            "disable_signer_emails": doc.disable_signer_emails,
            "brand_logo": "",
            "brand_primary_color": "",
            "created_at": doc.created_at,
            "last_update_at": doc.last_update_at,
            "created_by": {"email": "sandbox@esign.invalid"},
            "template": None,
            "signers": [self._signer_json(request, s, sign_url=sign_urls) for s in doc.signers],
            "answers": [],
            "auto_reminder": 0,
            "signature_report": None,
            "tsa_country": None,
            "use_timestamp": False,
            "metadata": doc.metadata,
            "date_limit_to_sign": doc.date_limit_to_sign,
        }

    def _extra_json(self, request: Request, doc: ZDoc) -> dict[str, Any]:
        return {
            "open_id": doc.open_id,
            "token": doc.token,
            "name": doc.name,
            "original_file": self._file_url(request, doc, "original"),
            "signed_file": self._file_url(request, doc, "signed") if doc.signed else None,
        }

    def _list_item(self, request: Request, doc: ZDoc) -> dict[str, Any]:
        return {
            "open_id": doc.open_id,
            "token": doc.token,
            "status": doc.status,
            "name": doc.name,
            "original_file": self._file_url(request, doc, "original"),
            "signed_file": self._file_url(request, doc, "signed") if doc.signed else None,
            "folder_path": doc.folder_path,
            "created_at": doc.created_at,
            "last_update_at": doc.last_update_at,
        }

    # -- 7.1 create --------------------------------------------------------------------

    async def create_doc(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if self.store.accounts[owner].kind == "no_plan":
            return err(402, error="Payment Required")
        invalid = _validate_create(body)
        if invalid is not None:
            return invalid
        content = await _file_content(body)
        if isinstance(content, Response):
            return content
        doc = ZDoc(
            token=str(uuid.uuid4()),
            owner=owner,
            open_id=next(self.store.accounts[owner].open_ids),
            name=str(body.get("name") or "Documento"),
            original=content,
            lang=str(body.get("lang") or "pt-br"),
            external_id=str(body.get("external_id") or ""),
            folder_path=str(body.get("folder_path") or "/"),
            date_limit_to_sign=body.get("date_limit_to_sign"),
            metadata=list(body.get("metadata") or body.get("Metadata") or []),
            disable_signer_emails=bool(body.get("disable_signer_emails", False)),
            signed_file_only_finished=bool(body.get("signed_file_only_finished", False)),
            signers=[_new_signer(s) for s in body["signers"]],
        )
        self.store.docs[doc.token] = doc
        for signer in doc.signers:
            self.store.signer_docs[signer.token] = doc.token
        self.store.shared.record(PROVIDER, "create_document", doc.token)
        self._notify(request, doc, "doc_created")
        return JSONResponse(self._doc_json(request, doc, sign_urls=True))

    # -- 7.2 detail, 7.4 update, 7.5 delete ------------------------------------------------

    async def doc_detail(self, request: Request) -> Response:
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None:
            return not_found()
        if doc.parent is not None:
            # An extra document answers with its short form (spec 7.2).
            return JSONResponse({**self._extra_json(request, doc), "parent_doc_token": doc.parent})
        return JSONResponse(self._doc_json(request, doc))

    async def doc_update(self, request: Request) -> Response:
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None:
            return not_found()
        body = await self._json(request)
        if not doc.in_progress():
            return err(403, detail="Documento finalizado ou cancelado não pode ser alterado.")
        if "date_limit_to_sign" in body and not _valid_date(body["date_limit_to_sign"]):
            return err(
                400,
                message="Invalid Input",
                data={"date_limit_to_sign": ["Formato inválido. Use YYYY-MM-DD."]},
            )
        if isinstance(body.get("name"), str) and body["name"].strip():
            doc.name = body["name"][:255]
        if body.get("date_limit_to_sign"):
            doc.date_limit_to_sign = str(body["date_limit_to_sign"])
        if isinstance(body.get("folder_path"), str):
            doc.folder_path = body["folder_path"]
        doc.touch()
        return JSONResponse({"message": "Documento atualizado corretamente"})

    async def doc_delete(self, request: Request) -> Response:
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None:
            return not_found()
        if not doc.deleted:
            doc.deleted = True
            doc.deleted_at = now_text()
            doc.touch()
            self._notify(request, doc, "doc_deleted")
        return JSONResponse(self._doc_json(request, doc))

    # -- 7.3 list ------------------------------------------------------------------------

    async def doc_list(self, request: Request) -> Response:
        owner = self._owner(request)
        query = request.query_params
        docs = [d for d in self.store.docs.values() if d.owner == owner and d.parent is None]
        if query.get("status"):
            docs = [d for d in docs if d.status == query["status"]]
        if query.get("deleted") in ("true", "false"):
            docs = [d for d in docs if d.deleted == (query["deleted"] == "true")]
        if query.get("folder_path"):
            docs = [d for d in docs if d.folder_path == query["folder_path"]]
        if query.get("signer_email"):
            docs = [d for d in docs if any(s.email == query["signer_email"] for s in d.signers)]
        docs.sort(key=lambda d: d.open_id, reverse=query.get("sort_order") != "asc")
        try:
            page = int(query.get("page") or 1)
        except ValueError:
            page = 0
        pages = max(1, -(-len(docs) // PAGE_SIZE))
        if page < 1 or page > pages:
            return err(404, detail="Página inválida.")
        chunk = docs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]

        def link(number: int) -> str:
            params = {k: v for k, v in query.items() if k not in ("page", "api_token")}
            params["page"] = str(number)
            return f"{str(request.base_url).rstrip('/')}{PREFIX}{API}/docs/?{urlencode(params)}"

        return JSONResponse(
            {
                "count": len(docs),
                "next": link(page + 1) if page < pages else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": [self._list_item(request, d) for d in chunk],
            }
        )

    # -- 7.6 cancel, 7.8 extra document, 8.1 signer detail ---------------------------------

    async def refuse(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if not request.headers.get("user-agent"):
            return err(400, error="User-Agent header is required", code="missing_user_agent")
        if not body.get("doc_token"):
            return err(400, error="doc_token é obrigatório", code="missing_doc_token")
        if not body.get("rejected_reason"):
            return err(400, error="rejected_reason é obrigatório", code="missing_rejected_reason")
        doc = self._mine(owner, str(body["doc_token"]))
        if doc is None:
            return err(404, error="Documento não encontrado", code="document_not_found")
        # The codes and their descriptions are documented (Cancelar documentos); the JSON key
        # that carries them is not: `code` and `error`, as clients in the wild read them.
        if doc.status == "signed":
            return err(
                403,
                error="Não se pode cancelar um documento assinado",
                code="document_already_signed",
            )
        if doc.status == "refused":
            return err(
                403,
                error="Não se pode cancelar um documento que já foi cancelado/recusado",
                code="document_already_refused",
            )
        self._refuse(request, doc, str(body["rejected_reason"]))
        return JSONResponse({"message": "Documento cancelado com sucesso!"})

    async def upload_extra_doc(self, request: Request) -> Response:
        owner = self._owner(request)
        main = self._mine(owner, request.path_params["token"])
        if main is None:
            return not_found()
        body = await self._json(request)
        if self.store.accounts[owner].kind == "no_plan":
            return err(402, error="Payment Required")
        if main.parent is not None or not main.in_progress():
            return err(400, error="O documento principal não aceita anexos.")
        if len(main.extras) >= 14:
            return err(400, error="Limite de anexos excedido.")
        content = await _file_content(body)
        if isinstance(content, Response):
            return content
        extra = ZDoc(
            token=str(uuid.uuid4()),
            owner=owner,
            open_id=next(self.store.accounts[owner].open_ids),
            name=str(body.get("name") or "Anexo"),
            original=content,
            lang=main.lang,
            signers=[],
            parent=main.token,
        )
        self.store.docs[extra.token] = extra
        main.extras.append(extra.token)
        self.store.shared.record(PROVIDER, "create_extra_document", extra.token)
        return JSONResponse(self._extra_json(request, extra))

    async def signer_detail(self, request: Request) -> Response:
        owner = self._owner(request)
        found = self.store.find(request.path_params["token"])
        if found is None or found[1] is None or found[0].owner != owner:
            return not_found()
        # No sign_url: absent from the documented Detail-signer sample (gap 19).
        return JSONResponse(self._signer_json(request, found[1]))

    async def signer_update(self, request: Request) -> Response:
        """8.2 Update signer (POST): only before the signer signs; answers the signer with
        its sign_url, as the documented sample does."""
        owner = self._owner(request)
        found = self.store.find(request.path_params["token"])
        if found is None or found[1] is None or found[0].owner != owner:
            return not_found()
        doc, signer = found[0], found[1]
        body = await self._json(request)
        if signer.status == "signed" or not doc.in_progress():
            return err(400, error="O signatário já assinou ou o documento foi finalizado.")
        for key in ("name", "email", "phone_country", "phone_number", "external_id"):
            if isinstance(body.get(key), str):
                setattr(signer, key, body[key])
        if isinstance(body.get("redirect_link"), str):
            signer.redirect_link = body["redirect_link"]
        if isinstance(body.get("send_automatic_email"), bool):
            signer.send_automatic_email = body["send_automatic_email"]
        doc.touch()
        return JSONResponse(self._signer_json(request, signer, sign_url=True))

    async def add_signer(self, request: Request) -> Response:
        """8.3 Add signer: a new signer object with status new, its token and sign_url."""
        owner = self._owner(request)
        doc = self._mine(owner, request.path_params["token"])
        if doc is None or doc.parent is not None:
            return not_found()
        body = await self._json(request)
        if not doc.in_progress():
            return err(403, detail="Documento finalizado ou cancelado não pode ser alterado.")
        if not str(body.get("name") or "").strip():
            return _invalid({"name": [REQUIRED]})
        signer = _new_signer(body)
        doc.signers.append(signer)
        self.store.signer_docs[signer.token] = doc.token
        doc.touch()
        self._notify(
            request, doc, "created_signer", created_signer=self._signer_json(request, signer)
        )
        return JSONResponse(self._signer_json(request, signer, sign_url=True))

    # -- 9.2 webhooks ------------------------------------------------------------------

    async def create_webhook(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        if not body.get("url"):
            return err(400, message="Invalid Input", data={"url": [REQUIRED]})
        kind = str(body.get("type") or "")
        hook = Webhook(
            id=next(self.store.webhook_ids),
            owner=owner,
            url=str(body["url"]),
            type=kind,
            doc_token=body.get("doc_token") or None,
            headers=[h for h in body.get("headers") or [] if isinstance(h, dict)],
        )
        self.store.webhooks.append(hook)
        return JSONResponse({"id": hook.id})

    async def add_webhook_headers(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        hook = self._webhook(owner, body.get("id"))
        if hook is None:
            return not_found()
        hook.headers.extend(h for h in body.get("headers") or [] if isinstance(h, dict))
        return JSONResponse({"message": "headers added"})

    async def delete_webhook(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        hook = self._webhook(owner, body.get("id"))  # int in responses, string in the example
        if hook is None:
            return not_found()
        self.store.webhooks.remove(hook)
        return JSONResponse("webhook deleted")

    def _webhook(self, owner: str, some_id: Any) -> Webhook | None:
        try:
            wanted = int(some_id)
        except (TypeError, ValueError):
            return None
        return next((h for h in self.store.webhooks if h.id == wanted and h.owner == owner), None)

    # -- presigned files (S3 stand-in) -------------------------------------------------------

    async def file(self, request: Request) -> Response:
        path = request.url.path
        problem = self.store.presigner.check(path, request.query_params)
        if problem is not None:
            return Response(s3_error_body(problem), status_code=403, media_type="application/xml")
        doc = self.store.docs.get(request.path_params["token"])
        kind = request.path_params["kind"]
        content = None if doc is None else doc.signed if kind == "signed" else doc.original
        if content is None or doc is None:
            return Response(
                s3_error_body("NoSuchKey"), status_code=404, media_type="application/xml"
            )
        safe = "".join(ch for ch in doc.name if ch.isalnum() or ch in " ._-")[:100] or "document"
        return Response(
            content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{safe}.pdf"'},
        )

    # -- the signer's side ------------------------------------------------------------------

    async def sign_page(self, request: Request) -> Response:
        found = self.store.find(request.path_params["signer_token"])
        signer = found[1] if found else None
        if found is None or signer is None:
            return HTMLResponse("<h1>Link inválido</h1>", status_code=404)
        doc = found[0]
        signer.times_viewed += 1
        signer.last_view_at = now_text()
        if signer.status == "new":
            signer.status = "link-opened"
        self._notify(
            request, doc, "doc_viewed", signer_who_viewed=self._signer_json(request, signer)
        )
        action = f"{PREFIX}/verificar/{signer.token}"
        return HTMLResponse(
            f"""<!doctype html><html><head><meta charset="utf-8">
<title>{html.escape(doc.name)} - ZapSign sandbox</title></head><body>
<h1>{html.escape(doc.name)}</h1><p>Signer: {html.escape(signer.name)} ({signer.status})</p>
<form method="post" action="{html.escape(action)}">
<button name="action" value="sign">Assinar</button>
<button name="action" value="refuse">Recusar</button></form></body></html>"""
        )

    async def sign_submit(self, request: Request) -> Response:
        form = await request.form()
        action = "cancel" if form.get("action") == "refuse" else "sign"
        result = await self.sign(request, request.path_params["signer_token"], action=action)
        if "error" in result:
            return HTMLResponse(f"<h1>{html.escape(result['error'])}</h1>", status_code=400)
        return HTMLResponse(f"<h1>Documento {html.escape(result['state'])}</h1>")

    async def sign(
        self, request: Request, some_id: str, *, action: str, signer_token: str | None = None
    ) -> dict[str, Any]:
        """Sign for one signer (a signer token, or --signer), or for every pending signer of a
        document; `cancel` refuses the document."""
        found = self.store.find(some_id)
        if found is None:
            return {"error": f"no ZapSign document or signer {some_id!r}", "status": 404}
        doc, signer = found
        if not doc.in_progress():
            state = "deleted" if doc.deleted else doc.status
            return {"error": f"the document is {state}, not pending", "status": 409}
        if action == "cancel":
            self._refuse(request, doc, "Cancelado no sandbox")
            return {"provider": PROVIDER, "id": doc.token, "state": doc.status, "signed": []}
        if signer_token:
            signer = next((s for s in doc.signers if s.token == signer_token), None)
            if signer is None:
                return {
                    "error": f"document {doc.token} has no signer {signer_token!r}",
                    "status": 404,
                }
        targets = [signer] if signer else [s for s in doc.signers if s.status != "signed"]
        if signer is not None and signer.status == "signed":
            return {"error": f"signer {signer.token} has already signed", "status": 409}
        for target in targets:
            # signed_file is filled from the first signature on, for the document and each
            # attachment of its envelope; `status` stays pending until the last signer.
            for part in (doc, *(self.store.docs[t] for t in doc.extras)):
                _stamp(part, target.name)
            target.status = "signed"
            target.signed_at = now_text()
            if all(s.status == "signed" for s in doc.signers):
                doc.status = "signed"
            doc.touch()
            self._notify(
                request, doc, "doc_signed", signer_who_signed=self._signer_json(request, target)
            )
        return {
            "provider": PROVIDER,
            "id": doc.token,
            "state": doc.status,
            "signed": [t.token for t in targets],
        }

    def _refuse(self, request: Request, doc: ZDoc, reason: str) -> None:
        """Cancel: status refused, and a "Documento recusado" watermark on the final PDF
        (Cancelar documentos), so signed_file is set even if nobody signed; doc_signed may
        follow because the PDF changed."""
        doc.status = "refused"
        doc.rejected_reason = reason
        for part in (doc, *(self.store.docs[t] for t in doc.extras)):
            try:
                part.signed = watermark_pdf(
                    part.signed or part.original, text="Documento recusado", reason=reason
                )
            except ValueError:
                part.signed = part.signed or part.original
        doc.touch()
        self._notify(request, doc, "doc_refused", rejected_reason=reason)
        self._notify(request, doc, "doc_signed")

    # -- 9.1 delivery ------------------------------------------------------------------

    def _notify(self, request: Request, doc: ZDoc, event: str, **extra: Any) -> None:
        hooks = [
            h for h in self.store.webhooks if h.owner == doc.owner and h.wants(event, doc.token)
        ]
        if not hooks:
            return
        payload = {**self._doc_json(request, doc), "event_type": event, **extra}
        for hook in hooks:
            task = asyncio.get_running_loop().create_task(self._deliver(hook, payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _deliver(self, hook: Webhook, payload: dict[str, Any]) -> None:
        headers = {str(h.get("name")): str(h.get("value")) for h in hook.headers if h.get("name")}
        # Anything but 200 is retried (spec 9.1; the schedule is undocumented).
        for attempt in range(WEBHOOK_ATTEMPTS):
            if await post_callback(
                self.store.shared, PROVIDER, hook.url, payload, headers=headers, success=(200,)
            ):
                return
            await asyncio.sleep(0.2 * (attempt + 1))

    def routes(self) -> list[BaseRoute]:
        def both(path: str, endpoint: Any, methods: list[str]) -> list[BaseRoute]:
            # Django-style trailing slashes, accepted without them too (spec §1).
            return [
                Route(f"{API}{path}/", replying(endpoint), methods=methods),
                Route(f"{API}{path}", replying(endpoint), methods=methods),
            ]

        return [
            *both("/docs", self.create_doc, ["POST"]),
            *both("/docs", self.doc_list, ["GET"]),
            *both("/docs/{token}", self.doc_detail, ["GET"]),
            *both("/docs/{token}", self.doc_update, ["PUT"]),
            *both("/docs/{token}", self.doc_delete, ["DELETE"]),
            *both("/docs/{token}/upload-extra-doc", self.upload_extra_doc, ["POST"]),
            *both("/refuse", self.refuse, ["POST"]),
            *both("/signers/{token}", self.signer_detail, ["GET"]),
            *both("/signers/{token}", self.signer_update, ["POST"]),
            *both("/docs/{token}/add-signer", self.add_signer, ["POST"]),
            *both("/user/company/webhook", self.create_webhook, ["POST"]),
            *both("/user/company/webhook/header", self.add_webhook_headers, ["POST"]),
            *both("/user/company/webhook/delete", self.delete_webhook, ["DELETE"]),
            Route("/files/{token}/{kind}.pdf", replying(self.file), methods=["GET"]),
            Route("/verificar/{signer_token}", replying(self.sign_page), methods=["GET"]),
            Route("/verificar/{signer_token}", replying(self.sign_submit), methods=["POST"]),
        ]


# -- request validation (spec 7.1 and "General information") ---------------------------------

FILE_SOURCES = ("url_pdf", "base64_pdf", "url_docx", "base64_docx", "markdown_text")
STRING_FIELDS = (
    "name",
    "lang",
    "external_id",
    "folder_path",
    "brand_logo",
    "brand_name",
    "brand_primary_color",
    "created_by",
    "date_limit_to_sign",
)
BOOL_FIELDS = (
    "disable_signer_emails",
    "signed_file_only_finished",
    "signature_order_active",
    "allow_refuse_signature",
    "sandbox",
)


def _invalid(data: dict[str, Any]) -> JSONResponse:
    return err(400, message="Invalid Input", data=data)


def _validate_create(body: dict[str, Any]) -> Response | None:
    sources = [k for k in FILE_SOURCES if body.get(k)]
    if len(sources) != 1:
        return err(400, error="Envie exatamente uma fonte de arquivo: " + ", ".join(FILE_SOURCES))
    for key in STRING_FIELDS:
        # Strings are never null: send "" or leave the key out.
        if key in body and body[key] is None:
            return _invalid({key: ["Este campo não pode ser nulo."]})
    for key in BOOL_FIELDS:
        if key in body and not isinstance(body[key], bool):
            return _invalid({key: ["Must be a valid boolean."]})
    if body.get("lang") and body["lang"] not in LANGS:
        return _invalid({"lang": [f'"{body["lang"]}" não é um escolha válido.']})
    if body.get("date_limit_to_sign") and not _valid_date(body["date_limit_to_sign"]):
        return _invalid({"date_limit_to_sign": ["Formato de data inválido."]})
    signers = body.get("signers")
    if not isinstance(signers, list) or not signers:
        return _invalid({"signers": [REQUIRED]})
    for signer in signers:
        if not isinstance(signer, dict) or not str(signer.get("name") or "").strip():
            return _invalid({"signers": [{"name": [REQUIRED]}]})
        if signer.get("send_automatic_email") and not signer.get("email"):
            return _invalid({"email": [REQUIRED]})
    return None


def _stamp(doc: ZDoc, signer: str) -> None:
    current = doc.signed or doc.original
    try:
        doc.signed = stamp_pdf(current, signer=signer, provider=PROVIDER)
    except ValueError:
        doc.signed = current  # a .docx kept as bytes; nothing to stamp on


def _valid_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _new_signer(data: dict[str, Any]) -> ZSigner:
    return ZSigner(
        token=str(uuid.uuid4()),
        name=str(data["name"]).strip(),
        email=str(data.get("email") or ""),
        send_automatic_email=bool(data.get("send_automatic_email", False)),
        external_id=str(data.get("external_id") or ""),
        auth_mode=str(data.get("auth_mode") or "assinaturaTela"),
        phone_country=str(data.get("phone_country") or ""),
        phone_number=str(data.get("phone_number") or ""),
        qualification=str(data.get("qualification") or ""),
        redirect_link=str(data.get("redirect_link") or ""),
    )


async def _file_content(body: dict[str, Any]) -> bytes | Response:
    if body.get("markdown_text"):
        return make_pdf(str(body["markdown_text"]).splitlines()[:60])
    for key in ("base64_pdf", "base64_docx"):
        if body.get(key):
            try:
                content = base64.b64decode(str(body[key]), validate=True)
            except (binascii.Error, ValueError):
                # Includes a `data:application/pdf;base64,` prefix, which ZapSign refuses.
                return err(400, error=f"{key} inválido")
            if len(content) > MAX_BYTES:
                return err(400, error="Arquivo maior que 10 MB")
            if key == "base64_pdf" and not content.startswith(b"%PDF-"):
                return err(400, error="O arquivo não é um PDF válido")
            if key == "base64_docx":
                # ZapSign converts .docx to PDF; the emulator stands one in.
                return make_pdf(["Converted from a .docx file", "(esign sandbox stand-in)"])
            return content
    url = str(body.get("url_pdf") or body.get("url_docx"))
    import httpx

    try:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return err(400, error="Não foi possível baixar o arquivo")
    if response.status_code != 200 or len(response.content) > MAX_BYTES:
        return err(400, error="Não foi possível baixar o arquivo")
    return response.content
