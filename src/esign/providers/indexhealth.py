"""IndexHealth documents API client; see shared/providers/indexhealth.md.

IndexHealth stores documents in collections; it has no signature requests. It authenticates
with client credentials exchanged for a bearer token, which is cached (in the keyring beside the
profile's secret, else in memory) and renewed once when a call answers 403 UNAUTHORIZED.
Every JSON answer is an envelope `{statusCode, data, message}` whose code wins over the HTTP
status line when they disagree.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from esign.core.credentials import default_fingerprint
from esign.core.errors import (
    AuthError,
    EsignError,
    MalformedResponseError,
    NotFoundError,
    RejectedError,
    ServerError,
    UsageError,
    error_for_status,
)
from esign.core.http import encode_segment
from esign.core.models import (
    Deletion,
    Document,
    DocumentFiles,
    DownloadResult,
    Outcome,
    PresignedUrl,
    iso_utc,
    parse_iso,
)
from esign.core.presigned import presigned_expiry
from esign.core.redact import excerpt, remember
from esign.core.streams import IOStreams
from esign.providers.base import Provider

if TYPE_CHECKING:
    import httpx

    from esign.core.download import DownloadSource
    from esign.providers.options import (
        CreateRequestOptions,
        DownloadOptions,
        FileChoice,
        ListOptions,
        UpdateRequestOptions,
        UploadOptions,
    )

MAX_UPLOAD_BYTES = 100 * 1024 * 1024  # no limit is documented (gap 7); this bounds memory
TOKEN_RENEW_MARGIN = 60.0  # seconds before `exp` at which a cached token is renewed
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
REQUIRED_SETTINGS = {
    "client_id": ("ESIGN_CLIENT_ID", "--client-id"),
    "user_first_name": ("ESIGN_USER_FIRST_NAME", "--user-first-name"),
    "user_last_name": ("ESIGN_USER_LAST_NAME", "--user-last-name"),
    "user_email": ("ESIGN_USER_EMAIL", "--user-email"),
    "group_name": ("ESIGN_GROUP_NAME", "--group-name"),
}
NO_REQUESTS_HINT = "IndexHealth stores documents only; use `esign doc upload FILE --collection ID`"


class IndexHealth(Provider):
    name = "indexhealth"
    title = "IndexHealth"
    default_base_url = ""  # customers are given their host (gap 1)
    has_signing_state = False  # it stores and serves documents; nothing is signed (spec §3)

    _token: str | None = None
    _token_expires: float | None = None

    # -- authentication (spec §2, §4b) ----------------------------------------------------

    def authenticate(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/generate-client-auth-token"):
            return
        request.headers["Authorization"] = f"Bearer {self._access_token()}"
        group = self.settings.provider_settings.get("group_name")
        if group:
            # Required on some endpoint families, harmless on the others (spec §4b).
            request.headers["domain"] = str(group)

    def _access_token(self) -> str:
        with self._lock:  # parallel downloads: one token exchange, not one per thread
            return self._current_token()

    def _current_token(self) -> str:
        now = time.time()
        if self._token and not _expiring(self._token_expires, now):
            return self._token
        if self.token_cache is not None:
            cached = self.token_cache.load()
            if cached and not _expiring(cached[1], now):
                self._remember(*cached)
                assert self._token is not None
                return self._token
        return self._new_token()

    def _remember(self, token: str, expires: float | None) -> None:
        self._token, self._token_expires = token, expires
        self.settings.extra_secrets.append(token)
        remember(token)

    def _new_token(self) -> str:
        body = self._token_request_body()
        response = self.http.request(
            "POST", self.http.url("generate-client-auth-token"), json=body, idempotent=True
        )
        data = self._envelope(response, token_endpoint=True)
        token = (
            data.get("access_token") or data.get("auth_token") if isinstance(data, dict) else None
        )
        if not isinstance(token, str) or not token:
            raise MalformedResponseError("IndexHealth's token answer has no access_token")
        expires = jwt_expiry(token)
        self._remember(token, expires)
        if self.token_cache is not None:
            self.token_cache.save(token, expires)
        return token

    def _drop_token(self) -> None:
        with self._lock:
            self._forget_token()

    def _forget_token(self) -> None:
        self._token = self._token_expires = None
        if self.token_cache is not None:
            self.token_cache.clear()

    def _token_request_body(self) -> dict[str, Any]:
        settings = self.settings.provider_settings
        missing = [name for name in REQUIRED_SETTINGS if not settings.get(name)]
        if missing:
            env, flag = REQUIRED_SETTINGS[missing[0]]
            raise UsageError(
                f"IndexHealth needs {', '.join(missing)} to authenticate",
                hint=f"set {env} or add {flag} to the profile (esign profile add ... --force)",
            )
        fingerprint = settings.get("fingerprint") or default_fingerprint(
            self.settings.profile, str(settings["client_id"])
        )
        return {
            "client_id": settings["client_id"],
            "client_secret": self.require_secret().reveal(),
            "fingerprint": fingerprint,
            "user": {
                "first_name": settings["user_first_name"],
                "last_name": settings["user_last_name"],
                "email": settings["user_email"],
                "group_name": settings["group_name"],
            },
        }

    def check_credentials(self) -> None:
        self._drop_token()
        self._new_token()

    # -- transport --------------------------------------------------------------------------

    def _post(self, path: str, body: dict[str, Any], *, idempotent: bool) -> Any:
        """POST with the envelope checked; one token renewal on 403 UNAUTHORIZED."""
        self._check_base_url()
        for attempt in (1, 2):
            response = self.http.request(
                "POST", self.http.url(path), json=body, idempotent=idempotent
            )
            try:
                return self._envelope(response)
            except AuthError as err:
                if attempt == 2 or not _token_rejected(err):
                    raise
                self._drop_token()
        raise AssertionError("unreachable")

    def _check_base_url(self) -> None:
        if not self.settings.base_url:
            raise UsageError(
                "IndexHealth has no public API host",
                hint="set ESIGN_BASE_URL or the profile's --base-url to the host you were given",
            )

    def _envelope(self, response: httpx.Response, *, token_endpoint: bool = False) -> Any:
        try:
            body = response.json()
        except ValueError:
            body = None
        code = response.status_code
        message = None
        if isinstance(body, dict):
            envelope_code = body.get("statusCode", body.get("status"))
            if isinstance(envelope_code, int) and envelope_code != 200:
                code = envelope_code  # the body wins over a 200 status line (spec §1)
            message = body.get("message")
        if code >= 400:
            text = str(message) if message else excerpt(response.text)
            raise self._error(code, text, response.status_code, token_endpoint=token_endpoint)
        if not isinstance(body, dict) or "data" not in body:
            raise MalformedResponseError(
                f"IndexHealth answered {response.status_code} without its JSON envelope",
                http_status=response.status_code,
                provider=self.name,
            )
        return body["data"]

    def _error(
        self, code: int, message: str | None, http_status: int, *, token_endpoint: bool = False
    ) -> EsignError:
        detail = f": {message}" if message else ""

        error = self.error_maker(http_status, f"{code} {message}" if message else str(code))

        if token_endpoint and code in (400, 401, 403, 435, 436):
            return error(
                AuthError,
                f"IndexHealth refused the client credentials ({code}){detail}",
                "check ESIGN_CLIENT_ID, ESIGN_CLIENT_SECRET and the user settings",
            )
        if code in (401, 403):
            return error(AuthError, f"IndexHealth: unauthorized ({code}){detail}")
        if code == 407:
            return error(AuthError, f"IndexHealth: access denied (407){detail}")
        if code == 437:
            return error(NotFoundError, f"IndexHealth: not found (437){detail}")
        if code == 435 and message and "no file path" in message.lower():
            # Documented causes: a URL-based document, or a file never uploaded (spec §3.4).
            return error(
                RejectedError,
                f"IndexHealth: no file to download (435{detail})",
                "a URL-based document has its URL in `esign doc info ID` (files.original); "
                "otherwise its file was not uploaded",
            )
        if code in (435, 436):
            return error(RejectedError, f"IndexHealth rejected the request ({code}){detail}")
        if code >= 500:
            return error(ServerError, f"IndexHealth server fault ({code}){detail}")
        return error_for_status(
            code,
            f"IndexHealth answered {code}{detail}",
            provider=self.name,
            provider_message=message,
        )

    def error_from_response(self, response: httpx.Response) -> EsignError:
        """A failed call, or a download answered with the JSON envelope (any status, 200
        included): read like every other answer, so 437 is not found and 403 renews the
        token, never "JSON instead of the document"."""
        try:
            self._envelope(response)
        except EsignError as err:
            return err
        if response.status_code < 400:
            return MalformedResponseError(
                f"IndexHealth answered {response.status_code} with its JSON envelope and no "
                "error, instead of the file",
                http_status=response.status_code,
                provider=self.name,
            )
        return error_for_status(
            response.status_code,
            f"IndexHealth answered {response.status_code}",
            provider=self.name,
        )

    # -- documents (spec §3) ------------------------------------------------------------------

    def get_document(self, document_id: str) -> Outcome:
        data = self._post(
            "get-document-details", {"document_id": _id(document_id)}, idempotent=True
        )
        if not isinstance(data, dict):
            raise MalformedResponseError("IndexHealth document details are not an object")
        return Outcome(self._document(data), raw=data)

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
        return self._document(data)

    def list_documents(self, opts: ListOptions) -> Outcome:
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
        return Outcome([self._document(d) for d in data if isinstance(d, dict)], raw=data)

    def upload_document(self, opts: UploadOptions) -> Outcome:
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
        return Outcome(self._synced(data, body), raw=data)

    def update_document(self, document_id: str, opts: UploadOptions) -> Outcome:
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
        return Outcome(self._synced(data, body), raw=data)

    def delete_document(self, document_id: str) -> Outcome:
        body = {"document_id": _id(document_id), "is_delete": True}
        data = self._post("sync-document", body, idempotent=True)
        return Outcome(Deletion(provider=self.name, id=document_id, kind="document"), raw=data)

    def download_source(self, document_id: str, choice: FileChoice) -> DownloadSource:
        _one_file_only(choice)
        self._check_base_url()
        from esign.core.download import DownloadSource

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
            if not _token_rejected(err):
                raise
            self._drop_token()  # nothing was written: a second try is safe
            return super().download(document_id, opts, streams)

    def presign(self, document_id: str, choice: FileChoice) -> Outcome:
        _one_file_only(choice)
        requested = datetime.now(UTC)
        data = self._post("download", {"document_id": _id(document_id)}, idempotent=True)
        url = data.get("download_url") if isinstance(data, dict) else None
        if not isinstance(url, str) or not url:
            raise MalformedResponseError("IndexHealth's answer has no download_url")
        expires = presigned_expiry(url) or requested + PRESIGNED_LIFETIME
        return Outcome(PresignedUrl(url=url, expires_at=iso_utc(expires)), raw=data)

    # -- no signature requests ---------------------------------------------------------------

    def create_request(self, opts: CreateRequestOptions) -> Outcome:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)

    def update_request(self, request_id: str, opts: UpdateRequestOptions) -> Outcome:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)

    def delete_request(self, request_id: str) -> Outcome:
        raise self.unsupported("signature requests", instead=NO_REQUESTS_HINT)

    # -- mapping ------------------------------------------------------------------------

    def _synced(self, data: Any, sent: dict[str, Any]) -> Document:
        """The sync answer's shape is not documented (gap 4): a whole document, or only its
        id; what is missing is taken from what we sent."""
        answer = data if isinstance(data, dict) else {}
        document_id = answer.get("document_id") or answer.get("id") or sent.get("document_id")
        if not document_id:
            raise MalformedResponseError("IndexHealth's sync answer has no document_id")
        merged = {**{k: v for k, v in sent.items() if k != "fileBase64"}, **answer}
        merged["document_id"] = document_id
        return self._document(merged)

    def _document(self, data: dict[str, Any]) -> Document:
        document_id = str(data.get("document_id") or data.get("id") or "")
        progress = data.get("avg_progress")
        processing = isinstance(progress, (int, float)) and progress < 100
        has_file = bool(data.get("document_file_path")) or bool(data.get("fileType"))
        return Document(
            provider=self.name,
            id=document_id,
            name=data.get("document_name"),
            # IndexHealth stores documents: no signing state exists (spec §3).
            status="processing" if processing else "unknown",
            provider_status=f"processing {progress}%" if processing else None,
            created_at=iso_utc(parse_iso(data.get("created_at"))),
            updated_at=iso_utc(parse_iso(data.get("updated_at"))),
            files=DocumentFiles(
                original=(
                    self.http.url("download", _id(document_id))
                    if has_file and document_id
                    else data.get("document_url") or None
                ),
            ),
        )


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
            raise UsageError(f"--type must be one of {', '.join(DOCUMENT_TYPES)}, not {given!r}")
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


def _token_rejected(err: AuthError) -> bool:
    return err.provider_message is not None and err.provider_message.startswith("403")


def _expiring(expires: float | None, now: float) -> bool:
    return expires is not None and now >= expires - TOKEN_RENEW_MARGIN


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, when it has one (no lifetime is documented, gap 2)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) else None
