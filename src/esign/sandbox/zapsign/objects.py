"""ZapSign's objects as its answers and webhooks carry them (spec §6.5, §6.6): documents, extra
documents, list items and signers, with presigned file URLs."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from esign.sandbox.zapsign.base import PREFIX, ZapSignBase
from esign.sandbox.zapsign.store import API_USER, ZDoc, ZSigner, now_text

FILE_LIFETIME = 3600.0  # presigned file URLs expire after 60 minutes (spec 6.5)


class Objects(ZapSignBase):
    def _file_url(self, request: Request, doc: ZDoc, kind: str) -> str:
        origin = str(request.base_url).rstrip("/")
        return self.store.presigner.sign(
            origin, f"{PREFIX}/files/{doc.token}/{kind}.pdf", FILE_LIFETIME
        )

    def _signer_json(
        self, request: Request, signer: ZSigner, *, sign_url: bool = False
    ) -> dict[str, Any]:
        """A signer object. `sign_url` only where the docs show one: the create, add-signer
        and update-signer answers and the newer webhook samples (events.py); the detail
        samples (document and signer) have none (gap 19)."""
        link = {"sign_url": self._sign_url(request, signer)} if sign_url else {}
        data = {
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
            "document_photo_url": "",
            "document_verse_photo_url": "",
            "selfie_photo_url": "",
            "selfie_photo_url2": "",
            "send_via": "email" if signer.send_automatic_email else "",
            "resend_attempts": None,
            "cpf": None,
            "cnpj": None,
            "send_automatic_whatsapp_signed_file": None,
            "liveness_photo_url": "",
            "selfie_validation_type": "none",
            "ip": None,
        }
        # The documented fields the request set (lock_name, cpf, ...), as it set them.
        data.update(signer.options)
        return data

    def _notified_signer(self, request: Request, signer: ZSigner, channel: str) -> dict[str, Any]:
        """The signer as signature_notification_sent (and created_signer) carry it: with its
        sign_url and when and how the link went out (the documented samples)."""
        return {
            **self._signer_json(request, signer, sign_url=True),
            "notification_type": "request",
            "notification_channel": channel,
            "sent_at": now_text(),
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
            "created_by": {"email": API_USER},
            "template": {"token": doc.template} if doc.template else None,
            "signers": [self._signer_json(request, s, sign_url=sign_urls) for s in doc.signers],
            "answers": doc.answers,
            "auto_reminder": doc.reminder_every_n_days,
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
