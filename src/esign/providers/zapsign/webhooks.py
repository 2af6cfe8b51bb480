"""ZapSign webhooks (spec §9): create one per event (§9.2), delete one, and read what a
delivery says (§9.3, §9.4) for `esign webhook listen`.

There is no endpoint that lists webhooks (§9.2, gap 13): esign keeps no local list that would
pretend otherwise; the IDs `create` prints are the only handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from esign.core.errors import EsignError, MalformedResponseError
from esign.core.models import Deletion, DocumentStatus, Outcome, Signer, Webhook, Webhooks
from esign.providers.zapsign.client import ZapSignClient
from esign.providers.zapsign.wire import DOCUMENT_STATUS, to_signer

if TYPE_CHECKING:
    from esign.providers.options import CreateWebhookOptions

# The `type` values the create endpoint documents ("" is every document event: created,
# signed, deleted, refused; email_bounce must be registered on its own).
WEBHOOK_TYPES = ("doc_signed", "doc_created", "doc_deleted", "doc_refused", "email_bounce")

# Which top-level key of a delivery names the signer it is about (§9.3).
SIGNER_KEYS = {
    "doc_signed": "signer_who_signed",
    "doc_viewed": "signer_who_viewed",
    "doc_read_confirmation": "signer_who_read",
    "created_signer": "created_signer",
    "signature_notification_sent": "created_signer",  # sic, the documented key
    "signer_authentication_failed": "unauthenticated_signer",
}


class WebhookAdmin(ZapSignClient):
    has_webhooks = True

    def create_webhook(self, opts: CreateWebhookOptions) -> Outcome[Webhooks]:
        url = self._url("user", "company", "webhook")
        created: list[Webhook] = []
        raws: list[Any] = []
        for event in opts.events or ("",):
            body: dict[str, Any] = {"url": opts.url, "type": event}
            if opts.document_id:
                body["doc_token"] = opts.document_id
            if opts.headers:
                body["headers"] = [{"name": n, "value": v.reveal()} for n, v in opts.headers]
            try:
                data, _ = self._call("POST", url, json=body)
            except EsignError as err:
                if created:
                    ids = ", ".join(hook.id for hook in created)
                    err.hint = (
                        f"webhook {ids} was created before this failed; remove it with "
                        f"`esign webhook delete ID` if you do not want it"
                    )
                raise
            hook_id = data.get("id") if isinstance(data, dict) else None
            if hook_id is None or isinstance(hook_id, bool) or hook_id == "":
                raise MalformedResponseError(
                    "ZapSign created a webhook but its answer has no `id`",
                    provider=self.name,
                )
            raws.append(data)
            created.append(
                Webhook(
                    provider=self.name,
                    id=str(hook_id),  # an integer in answers, a string in the delete example
                    url=opts.url,
                    event=event or None,
                    document_id=opts.document_id,
                    headers=[name for name, _ in opts.headers],
                )
            )
        return Outcome(Webhooks(created), raw=raws)

    def delete_webhook(self, webhook_id: str) -> Outcome[Deletion]:
        """DELETE with a JSON body `{"id": "<id>"}`; the documented answer is the plain text
        "Webhook deletado com sucesso", so the body is kept for --raw and not parsed."""
        self.require_secret()
        url = self._url("user", "company", "webhook", "delete")
        response = self.http.request("DELETE", url, json={"id": webhook_id})
        if response.status_code >= 400:
            raise self.error_from_response(response)
        deleted = Deletion(provider=self.name, id=webhook_id, kind="webhook")
        return Outcome(deleted, raw=response.text)


def event_fields(
    payload: dict[str, Any],
) -> tuple[str | None, str | None, DocumentStatus | None, Signer | None]:
    """What a delivery is about: (event_type, document token, normalized document status,
    the signer it names). `email_bounce` is flat: its `token` is the signer's (§9.4)."""
    event = payload.get("event_type")
    event = str(event) if event is not None else None
    if event == "email_bounce":
        bounced = Signer(
            id=_text(payload.get("token")),
            name=None,
            email=_text(payload.get("email")),
            status="unknown",
        )
        return event, None, None, bounced
    raw_status = payload.get("status")
    status: DocumentStatus | None = None
    if isinstance(raw_status, str) and raw_status:
        status = DOCUMENT_STATUS.get(raw_status.lower(), "unknown")
    who = payload.get(SIGNER_KEYS.get(event or "", ""))
    signer = to_signer(who) if isinstance(who, dict) else None
    return event, _text(payload.get("token")), status, signer


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and value != "" else None
