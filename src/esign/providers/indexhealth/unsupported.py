"""What IndexHealth does not have, each operation saying what it has instead (exit 2): it
stores documents (spec §3), so nothing is signed there: no signers, no activity history of
signing, no attachments, templates or account usage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esign.core.models import (
    Account,
    Attachment,
    AuditTrail,
    Deletion,
    Outcome,
    SignatureRequestCanceled,
    Signer,
    SignerList,
    TemplateList,
)
from esign.providers.indexhealth.client import IndexHealthClient

if TYPE_CHECKING:
    from esign.core.files.download import DownloadSource
    from esign.providers.options import (
        AttachOptions,
        CancelOptions,
        SignerOptions,
        TemplateListOptions,
    )

STORE = "a document store: nothing is signed there"
DOCUMENTS_HINT = (
    "it has `esign doc upload`, `doc list`, `doc info`, `doc download` and `doc update`"
)


class Unsupported(IndexHealthClient):
    def cancel_request(
        self, request_id: str, opts: CancelOptions
    ) -> Outcome[SignatureRequestCanceled]:
        raise self.unsupported(f"signature requests ({STORE})", instead=DOCUMENTS_HINT)

    def list_signers(self, document_id: str) -> Outcome[SignerList]:
        raise self.unsupported(f"signers ({STORE})", instead=DOCUMENTS_HINT)

    def add_signer(self, document_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported(f"signers ({STORE})", instead=DOCUMENTS_HINT)

    def update_signer(self, signer_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported(f"signers ({STORE})", instead=DOCUMENTS_HINT)

    def remind_signer(self, signer_id: str, via: str) -> Outcome[Signer]:
        raise self.unsupported(f"signers ({STORE})", instead=DOCUMENTS_HINT)

    def remove_signer(self, signer_id: str) -> Outcome[Deletion]:
        raise self.unsupported(f"signers ({STORE})", instead=DOCUMENTS_HINT)

    def audit_trail(self, document_id: str) -> Outcome[AuditTrail]:
        raise self.unsupported(f"activity history ({STORE})", instead=DOCUMENTS_HINT)

    def audit_report_source(self, document_id: str) -> DownloadSource:
        raise self.unsupported(f"activity history ({STORE})", instead=DOCUMENTS_HINT)

    def attach(self, document_id: str, opts: AttachOptions) -> Outcome[Attachment]:
        raise self.unsupported(
            "attachments", instead="upload each file with `esign doc upload FILE --collection ID`"
        )

    def list_templates(self, opts: TemplateListOptions) -> Outcome[TemplateList]:
        raise self.unsupported("templates", instead=DOCUMENTS_HINT)

    def account(self) -> Outcome[Account]:
        raise self.unsupported(
            "account usage endpoint", instead="`esign auth status --check` verifies the credential"
        )
