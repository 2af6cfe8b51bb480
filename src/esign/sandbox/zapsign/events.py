"""The webhook payloads (spec §9.3, §9.4), one shape per documented event: the document object
with `event_type`, plus the key that names the signer an event is about, or the flat
`email_bounce`. Every key of the documented samples (webhooks/eventos/*.md) is there with the
documented type; the newer samples' keys (sign_url, notification_*, ...) are sent to every
event, as extra keys are allowed by the versioning policy (§3)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from starlette.requests import Request

from esign.sandbox.zapsign.objects import Objects
from esign.sandbox.zapsign.store import ZDoc, ZSigner, now_text

# Every event the webhooks pages document with a sample, except background_check_completed
# (a separate product with nothing of a document in it).
EVENTS = (
    "doc_created",
    "doc_signed",
    "doc_refused",
    "doc_deleted",
    "doc_viewed",
    "doc_read_confirmation",
    "doc_expired",
    "doc_expiration_alert",
    "created_signer",
    "signature_notification_sent",
    "signer_authentication_failed",
    "email_bounce",
)
# The top-level key naming the signer an event is about (§9.3).
SIGNER_KEYS = {
    "doc_signed": "signer_who_signed",
    "doc_viewed": "signer_who_viewed",
    "doc_read_confirmation": "signer_who_read",
    "created_signer": "created_signer",
    "signature_notification_sent": "created_signer",  # sic: the documented key
    "signer_authentication_failed": "unauthenticated_signer",
}
# Whose signer object carries how the link reached the signer (doc_viewed.md, created_signer.md,
# request_signature.md, reading_confirmation.md).
NOTIFIED = frozenset(
    {"doc_viewed", "doc_read_confirmation", "created_signer", "signature_notification_sent"}
)
# The status the refusal samples show (documento-recusado.md, and "O documento fica com status
# "recusado"" on the cancel page): the Portuguese value, whatever the detail endpoint says.
REFUSED_IN_WEBHOOKS = "recusado"


class Events(Objects):
    def _event_payload(
        self, request: Request, doc: ZDoc, event: str, **extra: Any
    ) -> dict[str, Any]:
        """The body of one delivery. `extra` carries the event's own keys as the caller built
        them (a signer object, a reason); what the documented sample has beyond them is
        filled in here, so every caller's payload has the documented shape."""
        if event == "email_bounce":
            return self._email_bounce(doc, extra)
        payload = {**self._doc_json(request, doc, sign_urls=True), "event_type": event, **extra}
        if doc.status == "refused":
            payload["status"] = REFUSED_IN_WEBHOOKS
        key = SIGNER_KEYS.get(event)
        if key is not None and key not in payload:
            # The documented payload always names a signer, also for the doc_signed that
            # follows a cancel or a signer's removal (the PDF was regenerated): the last to
            # sign, as the sandbox cannot know better.
            who = signer_for(doc, event)
            if who is not None:
                payload[key] = self._signer_json(request, who)
        if key is not None and isinstance(payload.get(key), dict):
            payload[key] = self._event_signer(request, doc, event, payload[key])
        if event in ("doc_expired", "doc_expiration_alert"):
            payload.setdefault("expiration_date", expiration_date(doc))
        return payload

    def _event_signer(
        self, request: Request, doc: ZDoc, event: str, given: dict[str, Any]
    ) -> dict[str, Any]:
        signer = next((s for s in doc.signers if s.token == given.get("token")), None)
        shown = dict(given)
        if signer is not None:
            shown.setdefault("sign_url", self._sign_url(request, signer))
        if event in NOTIFIED:
            shown.setdefault("notification_type", "request")
            shown.setdefault("notification_channel", _channel(signer))
            shown.setdefault("sent_at", doc.created_at)
        if event == "signer_authentication_failed":
            # The sample's values; the page says 3 attempts, the sample shows 2 (gap).
            shown.setdefault("max_attempts", 3)
            shown.setdefault("attempts_used", 3)
            shown.setdefault(
                "authentication_failure_reason",
                "Sandbox: the identity check failed on every attempt",
            )
        return shown

    def _email_bounce(self, doc: ZDoc, extra: dict[str, Any]) -> dict[str, Any]:
        """The flat payload of email-bounce.md; `token` is the signer's."""
        signer: ZSigner | None = extra.get("signer")
        return {
            "email": signer.email if signer else "",
            "token": signer.token if signer else "",
            "type": "link_email",
            "status": "dropped",
            "status_code": None,
            "error": "Sandbox: this address is treated as one that bounced; nothing was sent.",
            "delivered": False,
            "event_type": "email_bounce",
        }


def expiration_date(doc: ZDoc) -> str:
    """The deadline as the samples write it: "2025-07-10T23:59:59.000999+00:00" (an offset,
    not Z); a date-only deadline ends that day. A document without one: now."""
    given = doc.date_limit_to_sign
    moment: datetime | None = None
    if isinstance(given, str) and given:
        try:
            if len(given) == 10:
                day = datetime.strptime(given, "%Y-%m-%d").date()
                moment = datetime.combine(day, time(23, 59, 59, 999), tzinfo=UTC)
            else:
                moment = datetime.fromisoformat(given.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        moment = datetime.fromisoformat(now_text().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def signer_for(doc: ZDoc, event: str) -> ZSigner | None:
    """The signer an event is about when none was named: for doc_signed the last to sign."""
    if event == "doc_signed":
        signed = [s for s in doc.signers if s.signed_at]
        if signed:
            return max(signed, key=lambda s: s.signed_at or "")
    return doc.signers[0] if doc.signers else None


def _channel(signer: ZSigner | None) -> str:
    # The samples show "whatsapp"; like `send_via`: "email" when ZapSign was asked to send the
    # link, else "" (the API's caller handed the link over itself).
    return "email" if signer is not None and signer.send_automatic_email else ""
