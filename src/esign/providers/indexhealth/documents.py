"""IndexHealth documents (spec §3): create, update and delete through sync (§3.1), details
(§3.2), a collection's list (§3.3), presigned (§3.4) and direct (§3.5) downloads."""

from __future__ import annotations

import base64
import mimetypes
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esign.core.errors import AuthError, InvalidChoiceError, MalformedResponseError, UsageError
from esign.core.http.client import encode_segment
from esign.core.http.presigned import presigned_expiry
from esign.core.models import Deletion, Document, DownloadResult, Outcome, PresignedUrl, iso_utc
from esign.core.output.streams import IOStreams
from esign.providers.indexhealth import wire
from esign.providers.indexhealth.client import IndexHealthClient
from esign.providers.indexhealth.errors import token_rejected

if TYPE_CHECKING:
    from esign.core.files.download import DownloadSource
    from esign.providers.options import DownloadOptions, FileChoice, ListOptions, UploadOptions

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # no limit is documented (gap 7); this bounds memory
PRESIGNED_LIFETIME = timedelta(hours=1)
DOCUMENT_TYPES = ("PDF", "DOCX", "TXT", "IMG", "OTHER")
TYPE_BY_SUFFIX = {
    ".pdf": "PDF",
    ".docx": "DOCX",
    ".txt": "TXT",
    ".png": "IMG",
    ".jpg": "IMG",
    ".jpeg": "IMG",
    ".gif": "IMG",
}


class Documents(IndexHealthClient):
    def get_document(self, document_id: str) -> Outcome[Document]:
        data = self._post(
            "get-document-details", {"document_id": _id(document_id)}, idempotent=True
        )
        if not isinstance(data, dict):
            raise MalformedResponseError("IndexHealth document details are not an object")
        return Outcome(wire.to_document(data, self._file_url), raw=data)

    def poll_document(self, document_id: str) -> Document:
        """Details with the processing progress, which the spec documents on list items
        only (§4b, `avg_progress`): read from the document's collection when the details
        lack it, so that `doc wait --until final` waits for processing to end."""
        data = self._post(
            "get-document-details", {"document_id": _id(document_id)}, idempotent=True
        )
        if not isinstance(data, dict):
            raise MalformedResponseError("IndexHealth document details are not an object")
        collection = data.get("collection_id")
        if "avg_progress" not in data and data.get("document_file_path") and collection:
            items = self._post("get-documents", {"collection_id": collection}, idempotent=True)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("document_id") == data.get("document_id"):
                    data = {**data, "avg_progress": item.get("avg_progress")}
        return wire.to_document(data, self._file_url)

    def list_documents(self, opts: ListOptions) -> Outcome[list[Document]]:
        if not opts.collection:
            raise UsageError("IndexHealth lists one collection at a time: give --collection ID")
        if opts.status:
            raise UsageError("IndexHealth documents have no signing status; drop --status")
        if opts.deleted:
            raise UsageError("IndexHealth deletes documents for good; drop --deleted")
        if opts.all_pages:
            raise UsageError("IndexHealth lists a collection in one answer; drop --all")
        # A read, though a POST (spec §3.3): safe to repeat.
        data = self._post("get-documents", {"collection_id": opts.collection}, idempotent=True)
        if not isinstance(data, list):
            raise MalformedResponseError("IndexHealth's document list is not an array")
        if opts.limit is not None:
            data = data[: opts.limit]
        return Outcome(
            [wire.to_document(d, self._file_url) for d in data if isinstance(d, dict)], raw=data
        )

    def upload_document(self, opts: UploadOptions) -> Outcome[Document]:
        if opts.state:
            raise UsageError("IndexHealth takes no --state")
        if not opts.collection:
            raise UsageError("give --collection ID: IndexHealth documents live in collections")
        if bool(opts.file_path) == bool(opts.url):
            raise UsageError("give either a FILE or --url, not both or neither")
        body: dict[str, Any] = {"collection_id": opts.collection}
        if opts.file_path:
            path, content = _read_file(opts.file_path)
            doc_type = _doc_type(opts.doc_type, path.suffix)
            body["fileBase64"] = base64.b64encode(content).decode("ascii")
            body["fileType"] = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            body["document_name"] = opts.name or path.name
        else:
            assert opts.url is not None
            if not opts.url.startswith(("http://", "https://")):
                raise UsageError(f"--url must be an http(s) URL, got {opts.url!r}")
            doc_type = _doc_type(opts.doc_type, "")
            body["document_url"] = opts.url
            body["document_name"] = opts.name or opts.url.rstrip("/").rsplit("/", 1)[-1]
        body["document_type"] = doc_type
        if opts.description:
            body["document_description"] = opts.description
        if opts.tags:
            body["document_tags"] = list(opts.tags)
        # A create: never re-sent once it may have reached the server.
        data = self._post("sync-document", body, idempotent=False)
        return Outcome(wire.to_synced_document(data, body, self._file_url), raw=data)

    def update_document(self, document_id: str, opts: UploadOptions) -> Outcome[Document]:
        if opts.file_path or opts.url or opts.collection or opts.state:
            raise UsageError("IndexHealth updates take --name, --description, --type and --tag")
        body: dict[str, Any] = {"document_id": _id(document_id)}
        if opts.name:
            body["document_name"] = opts.name
        if opts.description is not None:
            body["document_description"] = opts.description
        if opts.doc_type:
            body["document_type"] = _doc_type(opts.doc_type, "")
        if opts.tags:
            # Sent as the complete new list: whether the server replaces or merges is not
            # documented (gap 4); the sandbox replaces.
            body["document_tags"] = list(opts.tags)
        if len(body) == 1:
            raise UsageError("nothing to update", hint="give --name, --description or --tag")
        # Setting fields is safe to repeat.
        data = self._post("sync-document", body, idempotent=True)
        return Outcome(wire.to_synced_document(data, body, self._file_url), raw=data)

    def delete_document(self, document_id: str) -> Outcome[Deletion]:
        body = {"document_id": _id(document_id), "is_delete": True}
        data = self._post("sync-document", body, idempotent=True)
        return Outcome(Deletion(provider=self.name, id=document_id, kind="document"), raw=data)

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        _one_file_only(choice)
        self._check_base_url()
        from esign.core.files.download import DownloadSource

        return DownloadSource(
            url=self.http.url("download", _id(document_id)),
            document_id=document_id,
            default_extension="",
            # PDF, DOCX, TXT or images (spec §3.5): no one prefix; HTML is a proxy's page and
            # JSON is the API's envelope, whatever the status line says.
            expect_prefix=None,
            refuse_types=("text/html",),
            answer_types=("application/json",),
        )

    def download(
        self, document_id: str, opts: DownloadOptions, streams: IOStreams
    ) -> DownloadResult:
        try:
            return super().download(document_id, opts, streams)
        except AuthError as err:
            if not token_rejected(err):
                raise
            self._drop_token()  # nothing was written: a second try is safe
            return super().download(document_id, opts, streams)

    def presign(self, document_id: str, choice: FileChoice) -> Outcome[PresignedUrl]:
        _one_file_only(choice)
        requested = datetime.now(UTC)
        data = self._post("download", {"document_id": _id(document_id)}, idempotent=True)
        url = data.get("download_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url:
            raise MalformedResponseError("IndexHealth's answer has no download_url")
        expires = presigned_expiry(url) or requested + PRESIGNED_LIFETIME
        return Outcome(PresignedUrl(url=url, expires_at=iso_utc(expires)), raw=data)

    # Direct download (3.5): where a document's file is, for the models.
    def _file_url(self, document_id: str) -> str:
        return self.http.url("download", _id(document_id))


def _one_file_only(choice: FileChoice) -> None:
    """A document has one stored file and no signing state: a flag choosing another file or
    state would have no effect, so it is an error rather than silently ignored."""
    if choice.attachment:
        raise UsageError("IndexHealth documents have no attachments; drop --attachment")
    if choice.original or choice.any_state:
        flag = "--original" if choice.original else "--any-state"
        raise UsageError(
            f"IndexHealth documents have one stored file and no signing state; drop {flag}"
        )


def _id(value: str) -> str:
    encode_segment(value, "document ID")  # the same checks as a path segment
    return value


def _doc_type(given: str | None, suffix: str) -> str:
    if given:
        doc_type = given.upper()
        if doc_type not in DOCUMENT_TYPES:
            raise InvalidChoiceError("--type", given, DOCUMENT_TYPES)
        return doc_type
    return TYPE_BY_SUFFIX.get(suffix.lower(), "OTHER")


def _read_file(path_text: str) -> tuple[Path, bytes]:
    path = Path(path_text)
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UsageError(f"{path_text} is a directory, not a document")
        if size > MAX_UPLOAD_BYTES:
            raise UsageError(f"{path_text} is larger than {MAX_UPLOAD_BYTES // 2**20} MB")
        if size == 0:
            raise UsageError(f"{path_text} is empty")
        return path, path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path_text}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path_text}: {exc.strerror}") from None
