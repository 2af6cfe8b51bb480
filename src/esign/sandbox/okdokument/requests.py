"""OKdokument signature requests (spec §6.1 create, §6.11 update, §6.12 delete, §6.14 callback
registration), and the `rules` a create may carry (§7)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.okdokument.base import OKdokumentBase, site
from esign.sandbox.okdokument.conventions import decode_file, epoch_ms, fail, ok
from esign.sandbox.okdokument.store import PROVIDER, SigRequest


class Requests(OKdokumentBase):
    # -- 6.1 create signature request ------------------------------------------------------

    async def create_signature_request(self, request: Request) -> Response:
        owner = self._owner(request)
        body = await self._json(request)
        request_id = str(body.get("signatureRequestId") or uuid.uuid4())
        if request_id in self.store.requests:
            return fail(409, "err.signature.request.exists", request_id)  # (inferred)
        if self.store.counter(owner).available_requests <= 0:
            # Each request consumes a purchased credit (spec §2); the answer for none left
            # is not documented (invented).
            return fail(402, "err.no.signature.requests.available")
        rules = _rules(body)
        refused = _check_rules(rules) or _check_allowed_fields(body.get("allowedFields"))
        if refused is not None:
            return refused
        filedata = body.get("filedata")
        if filedata is not None:
            decoded = decode_file(filedata, body)
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
        send_info = (
            body.get("sendInfoURL")
            or body.get("sendInfoUrl")
            or _rule(body, "sendInfo")
            or self.store.default_send_info_url
        )
        self.store.requests[request_id] = SigRequest(
            id=request_id,
            doc_id=doc.id,
            owner=owner,
            resulturl=body.get("resulturl") or _rule(body, "resulturl"),
            send_info_url=send_info,
            expires_ms=epoch_ms(body.get("expirationTime")),
            rules=rules,
            allowed_fields=dict(body.get("allowedFields") or {}),
        )
        self.store.count(owner, "request")
        self.store.shared.record(PROVIDER, "create_signature_request", request_id)
        if rules.get("emailTo"):
            # No mail leaves the emulator: the outbox is the journal (spec §13).
            self.store.shared.record(PROVIDER, "email_signature_request", rules["emailTo"])
        return ok(
            "msg.signature.request.id.created",
            request_id,
            url=f"{site(request)}/openDocument/{request_id}",
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
        return ok("msg.updated", request_id, url=f"{site(request)}/{request_id}")

    # -- 6.12 delete signature request -----------------------------------------------------

    async def delete_signature_request(self, request: Request) -> Response:
        owner = self._owner(request)
        request_id = request.path_params["request_id"]
        sig = self.store.requests.get(request_id)
        if sig is None or sig.owner != owner or sig.deleted:
            return fail(400, "err.signature.request.not.exist", request_id)
        sig.deleted = True
        return ok("msg.deleted", request_id)


# -- §7 rules ------------------------------------------------------------------------------


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


# allowedFields' field types (Document fields configuration, spec §8).
FIELD_TYPES = ("TEXT", "CHECKBOX", "SIGNATURE", "RADIO", "COMBOBOX")


def _check_rules(rules: dict[str, str]) -> Response | None:
    """emailFrom is "required when emailTo is used" (Rules); the error key is invented."""
    if rules.get("emailTo") and not rules.get("emailFrom"):
        return fail(400, "err.email.from.required")
    for key in ("emailTo", "emailFrom", "openOtpEmail"):
        if rules.get(key) and "@" not in rules[key]:
            return fail(400, "err.invalid.email", rules[key])  # (invented)
    return None


def _check_allowed_fields(fields: Any) -> Response | None:
    """allowedFields: field type -> one name (old pages) or a list of names (new pages)."""
    if fields is None:
        return None
    if not isinstance(fields, dict):
        return fail(400, "err.bad.request")
    for kind, names in fields.items():
        names_ok = isinstance(names, str) or (
            isinstance(names, list) and all(isinstance(n, str) for n in names)
        )
        if kind not in FIELD_TYPES or not names_ok:
            return fail(400, "err.invalid.allowed.fields", str(kind))  # (invented)
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
