"""ZapSign signers (spec §8): a document's signers (from its detail, §7.2), add one (§8.3),
change one (§8.2, a POST), remind one (§8.2 with `send_automatic_*`: at most one reminder per
30 minutes), remove one (§8.4, a plain-text answer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from esign.core.errors import EsignError, MalformedResponseError, RejectedError, UsageError
from esign.core.http.client import encode_segment
from esign.core.models import Deletion, Document, Outcome, Signer, SignerList
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient
from esign.providers.zapsign.errors import error_text
from esign.providers.zapsign.signer_fields import signer_body

if TYPE_CHECKING:
    from esign.providers.options import SignerOptions

REMINDER_RULE = "ZapSign sends at most one reminder per signer every 30 minutes"
REMIND_CHANNELS = {"email": "send_automatic_email", "whatsapp": "send_automatic_whatsapp"}


class Signers(ZapSignClient):
    def list_signers(self, document_id: str) -> Outcome[SignerList]:
        # An attachment's signers are its envelope's: get_document reads them there.
        outcome = self.get_document(document_id)
        document = outcome.model
        assert isinstance(document, Document)
        raw = outcome.raw.get("signers") if isinstance(outcome.raw, dict) else None
        return Outcome(SignerList(document_id=document.id, signers=document.signers), raw=raw)

    def add_signer(self, document_id: str, opts: SignerOptions) -> Outcome[Signer]:
        if not opts.name or not opts.name.strip():
            raise UsageError("a new signer needs --name")
        if opts.send_email and not opts.email:
            raise UsageError("--send-email needs the signer's --email")
        url = self._url("docs", encode_segment(document_id, "document ID"), "add-signer")
        # A POST: a repeat would add the signer twice, so it is never sent again.
        data, _ = self._call("POST", url, json=signer_body(opts))
        signer = _signer(data)
        notes = [f"ZapSign emailed the signing link to {opts.email}"] if opts.send_email else []
        return Outcome(signer, raw=data, notes=notes)

    def update_signer(self, signer_id: str, opts: SignerOptions) -> Outcome[Signer]:
        body = signer_body(opts)
        if not body:
            raise UsageError(
                "nothing to update",
                hint="give --name, --email, --phone, --auth-mode or --redirect-url",
            )
        return self._update(signer_id, body, refused="change")

    def remind_signer(self, signer_id: str, via: str) -> Outcome[Signer]:
        """Atualizar signatário's documented tip: set `send_automatic_email` (or WhatsApp)
        and ZapSign sends the link again."""
        if via not in REMIND_CHANNELS:
            raise UsageError(f"--via must be email or whatsapp, not {via!r}")
        outcome = self._update(signer_id, {REMIND_CHANNELS[via]: True}, refused="remind")
        signer = outcome.model
        to = signer.email if via == "email" else "their WhatsApp number"
        outcome.notes.append(f"ZapSign sent the signing link again to {to or signer.name}")
        return outcome

    def _update(self, signer_id: str, body: dict[str, Any], *, refused: str) -> Outcome[Signer]:
        url = self._url("signers", encode_segment(signer_id, "signer ID"))
        try:
            data, _ = self._call("POST", url, json=body)
        except EsignError as err:
            # No error body is documented: the one reason the page names (a signer who has
            # signed) and, for reminders, the 30-minute rule, are said here.
            if refused == "remind" and err.http_status == 429:
                said = f": {err.provider_message}" if err.provider_message else ""
                err.message = f"ZapSign refused the reminder (429){said}"
                err.hint = f"{REMINDER_RULE}; try again later"
            elif refused == "remind" and err.http_status in (400, 403):
                err.hint = f"only a signer who has not signed gets a reminder; {REMINDER_RULE}"
            elif err.http_status in (400, 403):
                err.hint = "only a signer who has not signed can be changed"
            raise
        return Outcome(_signer(data), raw=data)

    def remove_signer(self, signer_id: str) -> Outcome[Deletion]:
        url = self._url("signer", encode_segment(signer_id, "signer ID"), "remove")
        self.require_secret()
        response = self.http.request("DELETE", url)
        if response.status_code == 400:
            said = error_text(response)
            raise RejectedError(
                f"ZapSign refused to remove signer {signer_id}" + (f": {said}" if said else ""),
                hint="a signer who has signed, or a document's only signer, cannot be removed "
                "(add another signer first)",
                http_status=400,
                provider=self.name,
                provider_message=said,
            )
        if response.status_code >= 400:
            raise self.error_from_response(response)
        # The documented answer is plain text, "Signatário removido com sucesso."
        return Outcome(
            Deletion(provider=self.name, id=signer_id, kind="signer"),
            raw=response.text,
            notes=["the removal cannot be undone; added again, the signer gets a new link"],
        )


def _signer(data: Any) -> Signer:
    if not isinstance(data, dict) or not data.get("token"):
        raise MalformedResponseError("ZapSign's answer is not a signer (no token)")
    return wire.to_signer(data)
