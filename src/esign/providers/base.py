"""The one interface every provider implements.

A provider maps esign's operations to its wire format and back, and its errors to the error
classes of `esign.core.errors`. Operations a provider lacks raise `UnsupportedError` (exit 2)
with a message that says what to use instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from esign.core.config.catalog import CredentialName
from esign.core.config.secret import Secret
from esign.core.config.settings import SECRET_ENV, Settings
from esign.core.errors import AuthError, EsignError, RejectedError, UnsupportedError
from esign.core.http.ratelimit import Rate
from esign.core.models import (
    Account,
    Attachment,
    AuditTrail,
    Deletion,
    Document,
    Outcome,
    PresignedUrl,
    SignatureRequest,
    SignatureRequestCanceled,
    Signer,
    SignerList,
    TemplateList,
    Webhooks,
)
from esign.core.output.streams import IOStreams

if TYPE_CHECKING:
    # Only the commands that need them load these (`doc info` needs neither).
    import httpx

    from esign.core.config.credentials import TokenCache
    from esign.core.files.download import DownloadSource
    from esign.core.http.client import AuthHook, HttpClient
    from esign.core.models import DownloadResult
    from esign.providers.options import (
        AttachOptions,
        CancelOptions,
        CreateRequestOptions,
        CreateWebhookOptions,
        DownloadOptions,
        FileChoice,
        ListOptions,
        SignerOptions,
        TemplateListOptions,
        UpdateRequestOptions,
        UploadOptions,
    )


HttpFactory = Callable[["AuthHook | None"], "HttpClient"]


class Provider:
    name: ClassVar[str]
    title: ClassVar[str]
    default_base_url: ClassVar[str]
    credential: ClassVar[CredentialName]  # the secret it authenticates with
    # False for a document store (IndexHealth): nothing is ever "signed" there.
    has_signing_state: ClassVar[bool] = True
    # The rate limit the provider documents, which esign paces under unless told otherwise
    # (esign.core.http.ratelimit); None: none documented.
    documented_rate: ClassVar[Rate | None] = None
    # Account webhooks (`esign webhook create|delete`), or what a provider offers instead.
    has_webhooks: ClassVar[bool] = False
    webhook_alternative: ClassVar[str] = "poll with `esign doc wait ID` until it is signed"
    # Whether the API's lists come in pages with a link to the next (`esign api --paginate`).
    api_pages: ClassVar[bool] = False

    def __init__(
        self,
        settings: Settings,
        http_factory: HttpFactory,
        secret_loader: Callable[[], Secret | None] | None = None,
        token_cache_factory: Callable[[], TokenCache | None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.clock = clock  # the app's clock: tests move it instead of sleeping
        self._http_factory = http_factory
        self._http: HttpClient | None = None
        self._secret_loader = secret_loader
        self._token_cache_factory = token_cache_factory
        self._token_cache: TokenCache | None = None
        self._token_cache_resolved = False
        # Bulk downloads share one provider across threads: one session, one Retry-After gate.
        self._lock = threading.RLock()

    def obtained_secret(self, value: str) -> Secret:
        """Every secret a provider obtains at run time (an exchanged token) goes through here:
        held as a `Secret`, it never prints itself and is masked in everything this process
        writes (redaction learns it when it is made)."""
        return Secret(value)

    @property
    def token_cache(self) -> TokenCache | None:
        """Where an exchanged token is kept; decided once the secret's source is known."""
        with self._lock:
            if not self._token_cache_resolved:
                if self._token_cache_factory is not None:
                    self.require_secret()
                    self._token_cache = self._token_cache_factory()
                self._token_cache_resolved = True
            return self._token_cache

    @property
    def base_url(self) -> str:
        return self.settings.base_url or self.default_base_url

    @property
    def http(self) -> HttpClient:
        with self._lock:
            if self._http is None:
                self._http = self._http_factory(self.authenticate)
            return self._http

    def require_secret(self) -> Secret:
        secret = self.settings.secret
        if secret is None and self._secret_loader is not None:
            secret = self._secret_loader()
        if not secret:
            env = SECRET_ENV[self.settings.secret_name]
            profile = self.settings.profile
            where = f" for profile {profile!r}" if profile else ""
            hint = (
                f"run `esign auth login --profile {profile}` or set {env}"
                if profile
                else f"set {env}, or use a profile (`esign profile add`, `esign auth login`)"
            )
            raise AuthError(
                f"no {self.title} {self.settings.secret_name.replace('_', ' ')}{where}",
                hint=hint,
                provider=self.name,
            )
        return secret

    def check_credentials(self) -> None:
        """One cheap authenticated call; raises AuthError when the credential is rejected."""
        from esign.providers.options import ListOptions

        self.list_documents(ListOptions(limit=1))

    def authenticate(self, request: httpx.Request) -> None:
        raise NotImplementedError

    # -- `esign api`: one request to any endpoint, authenticated as every command is --------

    def api_request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
    ) -> httpx.Response:
        """Send one request with the profile's credentials, retried by the same rules as
        every command's; the answer is returned whatever its status (see `api_error`)."""
        self.require_secret()
        return self.http.request(
            method,
            url,
            params=params,  # type: ignore[arg-type]  # httpx takes lists for repeated keys
            json=json,
            content=content,
            headers=headers,
            idempotent=self.api_idempotent(method.upper(), url),
            stream=stream,
        )

    def api_idempotent(self, method: str, url: str) -> bool | None:
        """Whether a request may be sent again after it may have reached the server; None
        leaves it to the method (GET, PUT, DELETE yes; POST, PATCH no)."""
        return None

    def api_error(self, response: httpx.Response) -> EsignError | None:
        """The failure an answer means, mapped as every command maps it (exit 4, 5, 6, 7,
        1), or None. The body must have been read."""
        return self.error_from_response(response) if response.status_code >= 400 else None

    def api_next_page(self, body: Any) -> str | None:
        """The next page's URL in a list answer (only where `api_pages`), or None."""
        return None

    def error_from_response(self, response: httpx.Response) -> EsignError:
        raise NotImplementedError

    def wrong_base_url(self, response: httpx.Response) -> EsignError | None:
        """A 404 that is not the provider's own answer (an HTML page, or no error body): the
        URL asked is most likely not the API, so the error says which URL and where the base
        URL comes from, instead of "document not found"."""
        if response.status_code != 404:
            return None
        kind = response.headers.get("content-type", "").lower()
        if "json" in kind and response.content.strip():
            return None
        from esign.core.errors import NotFoundError
        from esign.core.redact import excerpt, redact_url

        # Plain text may still be the provider's own words (ZapSign's plan endpoint answers
        # its 404 so): kept as its message, while the hint says where the URL came from.
        said = None if "html" in kind else excerpt(response.text)
        what = "an HTML page" if "html" in kind else f"no {self.title} error in the answer"
        if said:
            what = f"{what}: {said!r}"
        return NotFoundError(
            f"{self.title}: nothing at {redact_url(str(response.request.url))} (404, {what})",
            hint="check the base URL (ESIGN_BASE_URL / profile): it must be the API's base, "
            f"such as {self.default_base_url or 'the one IndexHealth gave you'}",
            http_status=404,
            provider=self.name,
            provider_message=said,
        )

    def error_maker(
        self, http_status: int | None, provider_message: str | None
    ) -> Callable[..., EsignError]:
        """`error(cls, message, hint=None)` for one failed response: every error a provider
        maps carries the same status, provider name and provider message."""

        def error(cls: type[EsignError], message: str, hint: str | None = None) -> EsignError:
            return cls(
                message,
                hint=hint,
                http_status=http_status,
                provider=self.name,
                provider_message=provider_message,
            )

        return error

    def unsupported(self, what: str, instead: str | None = None) -> UnsupportedError:
        return UnsupportedError(f"{self.title} has no {what}", hint=instead, provider=self.name)

    # -- operations (ARCHITECTURE.md §10); each provider overrides what it supports -----------

    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
        raise self.unsupported("signature requests")

    def update_request(
        self, request_id: str, opts: UpdateRequestOptions
    ) -> Outcome[SignatureRequest]:
        raise self.unsupported("signature requests")

    def delete_request(self, request_id: str) -> Outcome[Deletion]:
        raise self.unsupported("signature requests")

    def get_document(self, document_id: str) -> Outcome[Document]:
        raise self.unsupported("document details")

    def poll_document(self, document_id: str) -> Document:
        """The document as `doc wait` sees it on each poll; providers whose details lack the
        state they wait on complete it here."""
        model = self.get_document(document_id).model
        if not isinstance(model, Document):
            raise TypeError("get_document must answer a Document")
        return model

    def list_documents(self, opts: ListOptions) -> Outcome[list[Document]]:
        raise self.unsupported("document list")

    def list_pages(self, opts: ListOptions) -> Iterator[list[Document]]:
        """Every document, a page at a time as each arrives (a sync downloads the first page's
        files while the next is fetched); one page where the provider lists all at once."""
        yield self.list_documents(opts).model

    def upload_document(self, opts: UploadOptions) -> Outcome[Document]:
        raise self.unsupported("document upload")

    def update_document(self, document_id: str, opts: UploadOptions) -> Outcome[Document]:
        raise self.unsupported("document update")

    def delete_document(self, document_id: str) -> Outcome[Deletion]:
        raise self.unsupported("document deletion")

    def presign(self, document_id: str, choice: FileChoice) -> Outcome[PresignedUrl]:
        raise self.unsupported("presigned URLs")

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        raise self.unsupported("document download")

    def listed_source(self, document: Document, choice: FileChoice) -> DownloadSource | None:
        """Where a document's file is, from what its list item says, when that is enough to
        fetch it: one request per document fewer. None: ask `download_source`."""
        return None

    def cancel_request(
        self, request_id: str, opts: CancelOptions
    ) -> Outcome[SignatureRequestCanceled]:
        raise self.unsupported("signature requests")

    # -- signers (ZapSign) -----------------------------------------------------------------

    def list_signers(self, document_id: str) -> Outcome[SignerList]:
        raise self.unsupported("signer management")

    def add_signer(self, document_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported("signer management")

    def update_signer(self, signer_id: str, opts: SignerOptions) -> Outcome[Signer]:
        raise self.unsupported("signer management")

    def remind_signer(self, signer_id: str, via: str) -> Outcome[Signer]:
        raise self.unsupported("signer reminders")

    def remove_signer(self, signer_id: str) -> Outcome[Deletion]:
        raise self.unsupported("signer management")

    # -- a document's history, attachments; templates; the account -----------------------

    def audit_trail(self, document_id: str) -> Outcome[AuditTrail]:
        raise self.unsupported("document activity history")

    def audit_report_source(self, document_id: str) -> DownloadSource:
        """Where the activity report PDF is, for `doc audit -o` and `download --with-audit`."""
        raise self.unsupported("document activity history")

    def attach(self, document_id: str, opts: AttachOptions) -> Outcome[Attachment]:
        raise self.unsupported("document attachments")

    def list_templates(self, opts: TemplateListOptions) -> Outcome[TemplateList]:
        raise self.unsupported("templates")

    def account(self) -> Outcome[Account]:
        raise self.unsupported("account information")

    def no_webhooks(self) -> UnsupportedError:
        return self.unsupported("account webhooks", self.webhook_alternative)

    def create_webhook(self, opts: CreateWebhookOptions) -> Outcome[Webhooks]:
        raise self.no_webhooks()

    def delete_webhook(self, webhook_id: str) -> Outcome[Deletion]:
        raise self.no_webhooks()

    def not_signed(self, document: Document) -> EsignError:
        """Why the document's file is not "the signed one" (exit 6): its state, said as the
        provider means it. Providers add what they know (missing signers, reasons)."""
        shown: str = document.status
        if document.provider_status and document.provider_status != document.status:
            shown += f" ({document.provider_status})"
        if document.status in ("pending", "processing"):
            what = f"is {shown}: not signed yet"
        else:
            what = f"ended {shown} without being signed"
        return RejectedError(
            f"{self.title} document {document.id} {what}",
            hint="add --any-state for its current file",
            provider=self.name,
        )

    def download(
        self, document_id: str, opts: DownloadOptions, streams: IOStreams
    ) -> DownloadResult:
        from esign.core.files.download import download

        source = opts.source or self.download_source(document_id, opts.choice)
        return download(
            self.http,
            source,
            opts.target,
            streams=streams,
            force=opts.force,
            progress=opts.progress,
            error_for=self.error_from_response,
            cancel=opts.cancel,
            claim=opts.claim,
            commit=opts.commit,
        )
