"""ZapSign documents (spec §7): create (7.1), detail (7.2), list (7.3), update (7.4), delete
(7.5), cancel (7.6) and extra documents (7.8)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.zapsign.base import API, PREFIX, err, not_found
from esign.sandbox.zapsign.lifecycle import Lifecycle
from esign.sandbox.zapsign.store import API_USER, PROVIDER, ZDoc, new_signer, now_text
from esign.sandbox.zapsign.validation import file_content, valid_date, validate_create

PAGE_SIZE = 25


class Documents(Lifecycle):
    # -- 7.1 create ------------------------------------------------------------------------

    async def create_doc(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        unpaid = self._unpaid(owner)
        if unpaid is not None:
            return unpaid
        invalid = validate_create(body)
        if invalid is not None:
            return invalid
        content = await file_content(body)
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
            signature_order_active=bool(body.get("signature_order_active", False)),
            reminder_every_n_days=int(body.get("reminder_every_n_days") or 0),
            signers=[new_signer(s) for s in body["signers"]],
        )
        return self._created(request, doc)

    def _unpaid(self, owner: str) -> Response | None:
        """402: no API plan, or no credit left (spec §5; the body is the timestamp pages')."""
        account = self.store.accounts[owner]
        if account.kind == "no_plan" or account.credits <= 0:
            return err(402, error="Payment Required")
        return None

    def _created(self, request: Request, doc: ZDoc) -> Response:
        """A new document (by upload or from a template): stored, one credit spent, its
        history begun, its webhooks fired."""
        self.store.docs[doc.token] = doc
        self.store.accounts[doc.owner].credits -= 1
        for signer in doc.signers:
            self.store.signer_docs[signer.token] = doc.token
        self.store.shared.record(PROVIDER, "create_document", doc.token)
        doc.record("Documento criado", API_USER, f"O documento foi criado por {API_USER} via API")
        self._notify(request, doc, "doc_created")
        for signer in doc.signers:
            if signer.send_automatic_email:
                self._link_sent(request, doc, signer, "email")
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
        if "date_limit_to_sign" in body and not valid_date(body["date_limit_to_sign"]):
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

    # -- 7.3 list --------------------------------------------------------------------------

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

    # -- 7.6 cancel, 7.8 extra document ----------------------------------------------------

    async def refuse(self, request: Request) -> Response:
        """Cancelar documentos: the documented codes, each with its documented description
        as the text (the JSON key that carries them is not documented: `code` and `error`,
        as clients in the wild read them)."""
        owner = self._owner(request)
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("notify_signer", False), bool):
            return err(400, error="O JSON enviado está inválido", code="invalid_json")
        if not request.headers.get("user-agent"):
            # "Header obrigatório para evitar spam"; no error is documented for it (invented).
            return err(400, error="User-Agent header is required", code="missing_user_agent")
        if not body.get("doc_token"):
            return err(
                400, error="Você deve encaminhar o doc_token (string)", code="missing_doc_token"
            )
        if not body.get("rejected_reason"):
            return err(
                400,
                error="Você deve encaminhar o rejected_reason (string)",
                code="missing_rejected_reason",
            )
        doc = self._mine(owner, str(body["doc_token"]))
        if doc is None:
            return err(404, error="Documento não encontrado", code="document_not_found")
        if doc.deleted or doc.parent is not None:
            # "A reprovação deste documento não é permitida": the emulator's cases are a
            # deleted document and an extra document (the cancel takes the main one).
            return err(
                403,
                error="A reprovação deste documento não é permitida",
                code="refuse_not_allowed",
            )
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
        if body.get("notify_signer"):
            # E-mails are not sent: they are recorded, as the signers would see them.
            for signer in doc.signers:
                if signer.email:
                    self.store.shared.record(PROVIDER, "email_cancellation", signer.email)
        return JSONResponse({"message": "Documento cancelado com sucesso!"})

    async def upload_extra_doc(self, request: Request) -> Response:
        owner = self._owner(request)
        main = self._mine(owner, request.path_params["token"])
        if main is None:
            return not_found()
        body = await self._json(request)
        unpaid = self._unpaid(owner)
        if unpaid is not None:
            return unpaid
        # The reasons are the template variant's tab titles (no body is documented).
        if main.parent is not None or not main.in_progress():
            return err(
                400,
                error="Documento pai já foi assinado, foi excluído ou também é um documento extra",
            )
        if len(main.extras) >= 14:
            return err(400, error="Requisição atual ultrapassaria o máximo de anexos permitidos")
        if not any(body.get(k) for k in ("url_pdf", "base64_pdf")):
            return err(400, error="Campos obrigatórios não estão presentes na requisição")
        content = await file_content(body)
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
        self.store.accounts[owner].credits -= 1  # an extra document costs a credit too
        self.store.shared.record(PROVIDER, "create_extra_document", extra.token)
        main.record("Anexo adicionado", API_USER, f"Documento extra {extra.name} adicionado")
        return JSONResponse(self._extra_json(request, extra))
