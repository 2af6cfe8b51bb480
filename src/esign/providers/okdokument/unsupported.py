"""What OKdokument does not have, each operation saying what it has instead (exit 2): its
signers are whoever opens the request's URL (spec §4), so there is no signer list to manage,
no activity history, no attachments and no templates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esign.core.models import (
    Attachment,
    AuditTrail,
    Deletion,
    Outcome,
    SignatureRequestCanceled,
    Signer,
    SignerList,
    TemplateList,
)
from esign.providers.okdokument.client import OKdokumentClient

if TYPE_CHECKING:
    from esign.core.files.download import DownloadSource
    from esign.providers.options import (
        AttachOptions,
        CancelOptions,
        SignerOptions,
        TemplateListOptions,
    )

SIGNERS = (
    "signer management: its signer is whoever opens the signature request's URL",
    "another signer signs in a new round: `esign request create --document DOC_ID`",
)
NO_HISTORY_HINT = (
    "`esign doc info ID` shows its state, and the --callback-url (sendInfoURL) of `request "
    "create` is called when the signer finishes"
)


class Unsupported(OKdokumentClient):
    def cancel_request(
        self, request_id: str, opts: CancelOptions
    ) -> Outcome[SignatureRequestCanceled]:
        raise self.unsupported(
            "request cancellation",
            instead="`esign request delete ID` deletes the signature request: its URL stops "
            "opening the document",
        )

    def list_signers(self, document_id: str) -> Outcome[SignerList]:
        raise self.unsupported(*SIGNERS)

    def add_signer(self, document_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported(*SIGNERS)

    def update_signer(self, signer_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported(*SIGNERS)

    def remove_signer(self, signer_id: str) -> Outcome[Deletion]:
        raise self.unsupported(
            SIGNERS[0], instead="`esign request delete ID` ends a signature request"
        )

    def remind_signer(self, signer_id: str, via: str) -> Outcome[Signer]:
        raise self.unsupported(
            "signer reminders",
            instead="`esign request create FILE --send-email --email-to ADDR --email-from "
            "ADDR` has OKdokument email the signing link",
        )

    def audit_trail(self, document_id: str) -> Outcome[AuditTrail]:
        raise self.unsupported("document activity history", instead=NO_HISTORY_HINT)

    def audit_report_source(self, document_id: str) -> DownloadSource:
        raise self.unsupported("document activity history", instead=NO_HISTORY_HINT)

    def attach(self, document_id: str, opts: AttachOptions) -> Outcome[Attachment]:
        raise self.unsupported(
            "attachments: a signature request signs one document",
            instead="upload each file with `esign doc upload FILE`",
        )

    def list_templates(self, opts: TemplateListOptions) -> Outcome[TemplateList]:
        raise self.unsupported(
            "templates",
            instead="`esign request create FILE --state tags` places signature fields from "
            "text tags in your PDF",
        )
