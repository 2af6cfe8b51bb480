"""ZapSign templates (spec §10, Listar modelos: 20 per page) and a document created from one
(Criar documento via modelo): the template's text with its variables filled, one signer."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.pdf import make_pdf
from esign.sandbox.zapsign.base import API, PREFIX, REQUIRED, err, invalid
from esign.sandbox.zapsign.documents import Documents
from esign.sandbox.zapsign.store import ZDoc, ZTemplate, new_signer
from esign.sandbox.zapsign.validation import LANGS, validate_folder

PAGE_SIZE = 20


class Templates(Documents):
    async def template_list(self, request: Request) -> Response:
        owner = self._owner(request)
        templates = [t for t in self.store.templates.values() if t.owner == owner]
        try:
            page = int(request.query_params.get("page") or 1)
        except ValueError:
            page = 0
        pages = max(1, -(-len(templates) // PAGE_SIZE))
        if page < 1 or page > pages:
            return err(404, detail="Página inválida.")
        chunk = templates[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        origin = str(request.base_url).rstrip("/")

        def link(number: int) -> str:
            return f"{origin}{PREFIX}{API}/templates/?{urlencode({'page': number})}"

        return JSONResponse(
            {
                "count": len(templates),
                "next": link(page + 1) if page < pages else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": [_template_json(t) for t in chunk],
            }
        )

    async def create_from_template(self, request: Request) -> Response:
        """The error statuses are the documented tab titles (their bodies are empty): 404
        no such template, 400 required fields missing, 403 template inactive or another
        company's, 402 no API plan."""
        owner = self._owner(request)
        body = await self._json(request)
        unpaid = self._unpaid(owner)
        if unpaid is not None:
            return unpaid
        missing = {k: [REQUIRED] for k in ("template_id", "signer_name") if not body.get(k)}
        if missing:
            return invalid(missing)
        template = self.store.templates.get(str(body["template_id"]))
        if template is None:
            return err(404, detail="Documento ou modelo especificados não foram encontrados.")
        if template.owner != owner or not template.active:
            return err(
                403,
                detail="Modelo foi deletado, está inativo ou pertence a outra Company.",
            )
        refused = _check(body)
        if refused is not None:
            return refused
        values = {
            _variable(str(pair.get("de", ""))): str(pair.get("para", ""))
            for pair in body.get("data") or []
            if isinstance(pair, dict)
        }
        lines = [_fill(line, values) for line in template.lines]
        signer = new_signer(
            {
                "name": body["signer_name"],
                "email": body.get("signer_email") or "",
                "phone_country": body.get("signer_phone_country") or "",
                "phone_number": body.get("signer_phone_number") or "",
                "send_automatic_email": bool(body.get("send_automatic_email", False)),
            }
        )
        doc = ZDoc(
            token=str(uuid.uuid4()),
            owner=owner,
            open_id=next(self.store.accounts[owner].open_ids),
            name=template.name,
            original=make_pdf(lines),
            lang=str(body.get("lang") or template.lang),
            external_id=str(body.get("external_id") or ""),
            folder_path=str(body.get("folder_path") or "/"),
            reminder_every_n_days=int(body.get("reminder_every_n_days") or 0),
            signers=[signer],
            template=template.token,
            answers=[{"variable": k, "value": v} for k, v in values.items()],
        )
        return self._created(request, doc)


def _check(body: dict[str, Any]) -> Response | None:
    if body.get("lang") and body["lang"] not in LANGS:
        return invalid({"lang": [f'"{body["lang"]}" não é um escolha válido.']})
    if not isinstance(body.get("data", []), list):
        return invalid({"data": ["Esperava uma lista de itens."]})
    if not isinstance(body.get("send_automatic_email", False), bool):
        return invalid({"send_automatic_email": ["Must be a valid boolean."]})
    if body.get("send_automatic_email") and not body.get("signer_email"):
        return invalid({"signer_email": [REQUIRED]})
    reminder = body.get("reminder_every_n_days")
    if reminder is not None and (not isinstance(reminder, int) or isinstance(reminder, bool)):
        return invalid({"reminder_every_n_days": ["Um número inteiro válido é necessário."]})
    return validate_folder(body.get("folder_path"))


def _variable(name: str) -> str:
    """`{{NOME COMPLETO}}` (as `de` is documented) or a bare name: the name."""
    name = name.strip()
    if name.startswith("{{") and name.endswith("}}"):
        name = name[2:-2]
    return name.strip()


def _fill(line: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        line = line.replace("{{" + name + "}}", value)
    return line


def _template_json(template: ZTemplate) -> dict[str, Any]:
    return {
        "token": template.token,
        "template_type": "docx",
        "name": template.name,
        "active": template.active,
        "template_file": "",
        "created_at": template.created_at,
        "last_update_at": template.last_update_at,
        "redirect_link": "",
        "folder_path": template.folder_path,
        "lang": template.lang,
    }
