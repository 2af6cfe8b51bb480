"""ZapSign documents (spec §7.2-§7.5, §7.8): details, list, rename, soft delete, and the
presigned file URLs behind downloads (§6.5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from esign.core.errors import (
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RejectedError,
    UsageError,
)
from esign.core.http.client import encode_segment
from esign.core.http.presigned import presigned_expiry
from esign.core.models import Deletion, Document, Outcome, PresignedUrl, iso_utc
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient

if TYPE_CHECKING:
    import httpx

    from esign.core.files.download import DownloadSource
    from esign.providers.options import FileChoice, ListOptions, UploadOptions

PAGE_SIZE = 25
PRESIGNED_LIFETIME = timedelta(minutes=60)
# A listed file URL that expires sooner than this is not worth trying.
LISTED_URL_MARGIN = timedelta(minutes=2)
LIST_FILTERS = ("pending", "signed", "refused")


class Documents(ZapSignClient):
    def get_document(self, document_id: str) -> Outcome[Document]:
        data = self._detail(document_id)
        parent = data.get("parent_doc_token")
        if parent and not data.get("status"):
            # An extra document's short form (Detalhar documento) has no status: it is signed
            # with its envelope, so the main document's status is its status.
            main = wire.to_document(self._detail(str(parent)))
            return Outcome(wire.to_extra_document(data, main), raw=data)
        return Outcome(wire.to_document(data), raw=data)

    def _detail(self, document_id: str) -> dict[str, Any]:
        data, _ = self._call("GET", self._url("docs", encode_segment(document_id, "document ID")))
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not a document (no token)")
        return data

    def list_documents(self, opts: ListOptions) -> Outcome[list[Document]]:
        documents: list[Document] = []
        raw: list[Any] = []
        notes: list[str] = []
        for items, more in self._pages(self._list_params(opts)):
            raw.extend(items)
            documents.extend(
                wire.to_document(item, deleted=opts.deleted)
                for item in items
                if isinstance(item, dict)
            )
            if opts.limit is not None and len(documents) >= opts.limit:
                documents, raw = documents[: opts.limit], raw[: opts.limit]
                break
            if not more:
                break
            if not (opts.all_pages or opts.limit is not None):
                notes.append(
                    f"showing the first {len(documents)} documents; "
                    "use --all for every page, or --limit N"
                )
                break
        return Outcome(documents, raw=raw, notes=notes)

    def list_pages(self, opts: ListOptions) -> Iterator[list[Document]]:
        params = self._list_params(opts)
        # Oldest first (sort_order, §7.3): a document created while the pages are read lands
        # on the last page, instead of pushing one already read onto the next page again.
        params["sort_order"] = "asc"
        for items, _more in self._pages(params):
            yield [
                wire.to_document(item, deleted=opts.deleted)
                for item in items
                if isinstance(item, dict)
            ]

    def _list_params(self, opts: ListOptions) -> dict[str, str]:
        if opts.collection:
            raise UsageError("ZapSign has no collections; drop --collection")
        params: dict[str, str] = {}
        if opts.status:
            if opts.status not in LIST_FILTERS:
                raise UsageError(
                    f"ZapSign filters by {', '.join(LIST_FILTERS)} only, not {opts.status!r}"
                )
            params["status"] = opts.status
        # Active documents unless --deleted; the list items carry no `deleted` field, so the
        # filter asked for is what says whether they are deleted.
        params["deleted"] = "true" if opts.deleted else "false"
        return params

    def _pages(self, params: dict[str, str]) -> Iterator[tuple[list[Any], bool]]:
        """The list's pages in turn (25 documents each), with whether another follows. An
        empty page, or a `next` already followed (a cached or replayed page), ends the list:
        never loop."""
        page = 1
        seen_next: set[str] = set()
        while True:
            data, _ = self._call("GET", self._url("docs"), params={**params, "page": str(page)})
            items, next_page = wire.page(data)
            more = bool(next_page and items and next_page not in seen_next)
            yield items, more
            if not more or next_page is None:
                return
            seen_next.add(next_page)
            page += 1

    def update_document(self, document_id: str, opts: UploadOptions) -> Outcome[Document]:
        if opts.description or opts.tags or opts.url or opts.file_path or opts.doc_type:
            raise UsageError("ZapSign can change only a document's --name")
        if not opts.name:
            raise UsageError("nothing to update", hint="give --name")
        self._put(document_id, {"name": opts.name[:255]})
        return self.get_document(document_id)

    def upload_document(self, opts: UploadOptions) -> Outcome[Document]:
        raise self.unsupported(
            "upload without signers",
            instead="use `esign request create FILE --signer 'Name <email>'`",
        )

    def delete_document(self, document_id: str) -> Outcome[Deletion]:
        return self.soft_delete(document_id, "document")

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        url, _ = self._file_url(document_id, choice)
        # A presigned S3 URL: it must never carry our token.
        from esign.core.files.download import DownloadSource

        return DownloadSource(
            url=url, document_id=choice.attachment or document_id, authenticated=False
        )

    def listed_source(self, document: Document, choice: FileChoice) -> DownloadSource | None:
        """The list items carry the same presigned file URLs as the details (spec §7.3):
        fetched from there, the file costs no request against the rate limit. Only when the
        listed state settles which file is wanted; a refused URL (expired: the list is served
        from a cache) is for the caller to ask `download_source` again."""
        if choice.attachment or choice.original:
            return None
        url = document.files.signed
        if choice.any_state:
            url = url or document.files.original
        elif document.status != "signed":
            return None
        expires = presigned_expiry(url) if url else None
        if not url or (expires is not None and expires < datetime.now(UTC) + LISTED_URL_MARGIN):
            return None  # about to expire (the list came from a cache): a fresh one, then
        from esign.core.files.download import DownloadSource

        return DownloadSource(url=url, document_id=document.id, authenticated=False)

    def presign(self, document_id: str, choice: FileChoice) -> Outcome[PresignedUrl]:
        url, response = self._file_url(document_id, choice)
        expires = presigned_expiry(url) or _response_time(response) + PRESIGNED_LIFETIME
        return Outcome(PresignedUrl(url=url, expires_at=iso_utc(expires)), raw=None)

    def not_signed(self, document: Document) -> EsignError:
        what = f"ZapSign document {document.id}"
        if document.status == "pending":
            waiting = [s for s in document.signers if s.status != "signed"]
            names = ", ".join(s.name or s.email or s.id or "?" for s in waiting) or "unknown"
            return RejectedError(
                f"{what} is pending: still to sign: {names}",
                hint=f"wait with `esign doc wait {document.id}`; --any-state gives the file "
                "as signed so far",
                provider=self.name,
            )
        if document.status == "refused":
            reason = f" ({document.rejected_reason})" if document.rejected_reason else ""
            return RejectedError(
                f"{what} was refused{reason}: it will not be signed, and its PDF carries the "
                "rejected-document watermark",
                hint="--any-state downloads that PDF, --original the unsigned one",
                provider=self.name,
            )
        return super().not_signed(document)

    def _file_url(self, document_id: str, choice: FileChoice) -> tuple[str, httpx.Response]:
        """The presigned URL of the file asked for. `signed_file` is filled from the first
        signature on (doc_signed fires per signer) and a cancelled document's PDF carries a
        "rejected" watermark (Cancelar documentos): only `status: signed` makes it the signed
        document, unless the user asked for the current file."""
        url = self._url("docs", encode_segment(document_id, "document ID"))
        data, response = self._call("GET", url)
        if not isinstance(data, dict) or not data.get("token"):
            raise MalformedResponseError("ZapSign's answer is not a document (no token)")
        files: dict[str, Any] = data
        if data.get("parent_doc_token") and not data.get("status"):
            # An extra document by its own token: its envelope's status decides.
            main = self._detail(str(data["parent_doc_token"]))
            document = wire.to_extra_document(data, wire.to_document(main))
        else:
            document = wire.to_document(data)
        if choice.attachment:
            files = self._attachment(data, choice.attachment, document_id)
        if choice.original:
            file_url = files.get("original_file")
            if not file_url:
                raise MalformedResponseError("ZapSign's document has no original_file URL")
            return str(file_url), response
        if not choice.any_state and document.status != "signed":
            raise self.not_signed(document)
        file_url = files.get("signed_file") or (
            files.get("original_file") if choice.any_state else None
        )
        if not file_url:
            raise MalformedResponseError(
                f"ZapSign says document {document_id} is signed but gives no signed_file URL"
            )
        return str(file_url), response

    def _attachment(
        self, data: dict[str, Any], attachment: str, document_id: str
    ) -> dict[str, Any]:
        for extra in data.get("extra_docs") or []:
            if isinstance(extra, dict) and extra.get("token") == attachment:
                return extra
        raise NotFoundError(
            f"ZapSign document {document_id} has no attachment {attachment}",
            hint=f"its attachments are listed by `esign doc info {document_id}`",
            provider=self.name,
        )


def _response_time(response: httpx.Response) -> datetime:
    from email.utils import parsedate_to_datetime

    header = response.headers.get("date")
    if header:
        try:
            return parsedate_to_datetime(header).astimezone(UTC)
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
