"""ZapSign's document activity history (spec §7.7, Histórico de atividades): the events as
JSON, or the activity report as a PDF (`download_pdf=true`). The path has no trailing slash."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from esign.core.errors import AuthError, EsignError, MalformedResponseError
from esign.core.http.client import encode_segment
from esign.core.models import AuditTrail, Outcome, parse_iso
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient

if TYPE_CHECKING:
    import httpx

    from esign.core.files.download import DownloadSource

LOG_PATH = "/docs/signer-log/"


class Audit(ZapSignClient):
    def _log_url(self, document_id: str) -> str:
        # Documented without the trailing slash every other path has (spec §1).
        return self.http.url("docs", "signer-log", encode_segment(document_id, "document ID"))

    def audit_trail(self, document_id: str) -> Outcome[AuditTrail]:
        data, _ = self._call("GET", self._log_url(document_id))
        if not isinstance(data, list):
            raise MalformedResponseError("ZapSign's activity history is not a list")
        items = [item for item in data if isinstance(item, dict)]
        # The order is not documented (the sample is not sorted): oldest first, undated last,
        # by the full time ZapSign gives (printed to the second, several events share one).
        items.sort(key=_when)
        events = [wire.to_audit_event(item) for item in items]
        return Outcome(AuditTrail(document_id=document_id, events=events), raw=data)

    def audit_report_source(self, document_id: str) -> DownloadSource:
        from esign.core.files.download import DownloadSource

        return DownloadSource(
            url=self._log_url(document_id) + "?download_pdf=true",
            document_id=document_id,
            # With no name from the server, `<id>-audit.pdf`: never the signed PDF's name.
            default_extension="-audit.pdf",
        )

    def error_from_response(self, response: httpx.Response) -> EsignError:
        err = super().error_from_response(response)
        if isinstance(err, AuthError) and err.http_status == 401 and _is_log(response):
            # Histórico de atividades: a 401 says "the token sent may not see this
            # document's data", not only that the token is wrong.
            said = f": {err.provider_message}" if err.provider_message else ""
            err.message = f"ZapSign refused the document's activity history (401){said}"
            err.hint = (
                "the token may not see this document (another account's or the other "
                "environment's), or is not valid"
            )
        return err


def _is_log(response: httpx.Response) -> bool:
    try:
        return LOG_PATH in response.request.url.path
    except RuntimeError:  # a response built without its request
        return False


def _when(item: dict[str, Any]) -> tuple[bool, datetime]:
    moment = parse_iso(item.get("time"))
    return moment is None, moment or datetime.min.replace(tzinfo=UTC)
