"""OKdokument documents (spec §6.3, §6.7-§6.10): upload, metadata, list, delete, and which
file a download gets for the document's state (§5)."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    EsignError,
    InvalidChoiceError,
    MalformedResponseError,
    RejectedError,
    UsageError,
)
from esign.core.http.client import encode_segment
from esign.core.models import Deletion, Document, DocumentFiles, Outcome, PresignedUrl
from esign.providers.okdokument import wire
from esign.providers.okdokument.client import OKdokumentClient
from esign.providers.okdokument.wire import (
    MAX_DOCUMENT_BYTES,
    STATUS_FROM_STATE,
    UNSIGNED_STATES,
    display_name,
    require,
)

if TYPE_CHECKING:
    from esign.core.files.download import DownloadSource
    from esign.providers.options import FileChoice, ListOptions, UploadOptions

# tostamp: a digital stamp is inserted first (connector v1.2 lists it for 6.3 too).
UPLOAD_STATES = ("tosign", "tags", "tostamp")
ERROR_SEND_INFO = "errorsendinfo"


class Documents(OKdokumentClient):
    def upload_document(self, opts: UploadOptions) -> Outcome[Document]:
        if opts.url or opts.collection or opts.tags or opts.description or opts.doc_type:
            raise UsageError("OKdokument uploads take only FILE, --name and --state")
        if not opts.file_path:
            raise UsageError("give the FILE to upload")
        state = opts.state or "tosign"
        if state not in UPLOAD_STATES:
            raise InvalidChoiceError("--state", state, UPLOAD_STATES)
        from esign.core.files.local import read_document

        local = read_document(opts.file_path, max_bytes=MAX_DOCUMENT_BYTES, allow_office=True)
        filename = display_name(opts.name, local.name, local.kind)
        body = {
            "filename": filename,
            "state": state,
            "file": {"content": base64.b64encode(local.content).decode("ascii")},
        }
        data = self._call("POST", "document", json=body, idempotent=False)
        document_id = require(data, "result")
        return Outcome(
            Document(
                provider=self.name,
                id=document_id,
                name=filename,
                status=STATUS_FROM_STATE.get(state, "unknown"),
                provider_status=state,
                files=DocumentFiles(original=self._file_url(document_id)),
            ),
            raw=data,
        )

    def get_document(self, document_id: str) -> Outcome[Document]:
        data = self._metadata(document_id)
        document = wire.to_document(data, self._file_url, fallback_id=document_id)
        notes = []
        if document.provider_status == ERROR_SEND_INFO:
            hint = _ERROR_SEND_INFO_HINT.replace("ID", document.id)
            notes.append(f"note: {ERROR_SEND_INFO}: {_ERROR_SEND_INFO_TEXT}; {hint}")
        return Outcome(document, raw=data, notes=notes)

    def _metadata(self, document_id: str) -> dict[str, Any]:
        data = self._call("GET", "document", "metadata", encode_segment(document_id, "document ID"))
        if not isinstance(data, dict) or not (data.get("id") or data.get("filename")):
            raise MalformedResponseError("OKdokument's answer is not a document's metadata")
        return data

    def list_documents(self, opts: ListOptions) -> Outcome[list[Document]]:
        if opts.collection:
            raise UsageError("OKdokument has no collections; drop --collection")
        if opts.deleted:
            raise UsageError("OKdokument deletes documents for good; drop --deleted")
        if opts.all_pages:
            raise UsageError("OKdokument lists every document in one answer; drop --all")
        native = [state for state, status in STATUS_FROM_STATE.items() if status == opts.status]
        # One native state: let the server filter. Several (or none): ask for all, filter here.
        state = native[0] if len(native) == 1 else "*"
        data = self._call("GET", "list", "flat", params={"state": state})
        if not isinstance(data, list):
            raise MalformedResponseError("OKdokument document list is not an array")
        documents = [
            wire.to_document(item, self._file_url) for item in data if isinstance(item, dict)
        ]
        if opts.status:
            documents = [d for d in documents if d.status == opts.status]
        if opts.limit is not None:
            documents = documents[: opts.limit]
            data = data[: opts.limit]
        return Outcome(documents, raw=data)

    def delete_document(self, document_id: str) -> Outcome[Deletion]:
        data = self._call("DELETE", "document", encode_segment(document_id, "document ID"))
        return Outcome(
            Deletion(provider=self.name, id=document_id, kind="document"),
            raw=data,
        )

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        """The current file (6.7), once the metadata (6.10) says it is the one wanted: "once
        the document is signed it can be downloaded" (2.6); OKdokument keeps one version."""
        if choice.attachment:
            raise UsageError("OKdokument documents have no attachments; drop --attachment")
        self.require_secret()
        if not choice.any_state:
            document = wire.to_document(
                self._metadata(document_id), self._file_url, fallback_id=document_id
            )
            state = document.provider_status or ""
            if choice.original and state.lower() not in UNSIGNED_STATES:
                raise RejectedError(
                    f"OKdokument document {document_id} is {state or 'in an unknown state'}: "
                    "OKdokument keeps one version of a document, so the original is gone",
                    hint="drop --original for the signed file, or add --any-state for the "
                    "current one",
                    provider=self.name,
                )
            if not choice.original and document.status != "signed":
                raise self.not_signed(document)
        from esign.core.files.download import DownloadSource

        return DownloadSource(url=self._file_url(document_id), document_id=document_id)

    def not_signed(self, document: Document) -> EsignError:
        state = document.provider_status or "in an unknown state"
        if state == ERROR_SEND_INFO:
            return RejectedError(
                f"OKdokument document {document.id} is {ERROR_SEND_INFO}: {_ERROR_SEND_INFO_TEXT}",
                hint=_ERROR_SEND_INFO_HINT.replace("ID", document.id),
                provider=self.name,
            )
        why = {
            "tosign": "not signed yet",
            "tags": "its signature fields are still being placed; not signed yet",
            "tostamp": "its stamp is still being added; not signed yet",
            "canceled": "the signer pressed Close instead of signing",
        }.get(state.lower(), "not signed")
        hint = (
            "wait with `esign doc wait ID`, or add --any-state for the current, unsigned file"
            if document.status in ("pending", "processing")
            else "start a new round with `esign request create --document ID`, or add "
            "--any-state for the current file"
        )
        return RejectedError(
            f"OKdokument document {document.id} is {state}: {why}",
            hint=hint.replace("ID", document.id),
            provider=self.name,
        )

    def presign(self, document_id: str, choice: FileChoice) -> Outcome[PresignedUrl]:
        raise self.unsupported(
            "presigned URLs: its documents are fetched with the API key",
            instead="use `esign doc download ID -o FILE`",
        )


_ERROR_SEND_INFO_TEXT = (
    "the signer finished (Submit or Close), then OKdokument could not deliver its completion "
    "callback to the sendInfoURL; the state no longer says whether the document was signed"
)
_ERROR_SEND_INFO_HINT = "its current PDF shows it: esign doc download ID --any-state"
