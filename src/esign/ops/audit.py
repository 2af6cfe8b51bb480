"""A document's activity report (ZapSign's history as a PDF): saved where `-o` says, or, for
`doc download --with-audit`, beside the signed PDF as `<name>.audit.pdf`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from esign.core.errors import EsignError, UsageError
from esign.core.files.target import Target
from esign.core.models import DownloadResult

if TYPE_CHECKING:
    from esign.core.cancel import Cancellation
    from esign.core.context import AppContext
    from esign.providers.base import Provider

AUDIT_SUFFIX = ".audit.pdf"


def save_report(
    app: AppContext,
    provider: Provider,
    document_id: str,
    target: Target,
    *,
    force: bool,
    progress: bool = True,
    cancel: Cancellation | None = None,
) -> DownloadResult:
    """Stream the report to `target`, atomically like every download (DESIGN §7)."""
    from esign.core.files.download import download

    source = provider.audit_report_source(document_id)
    return download(
        provider.http,
        source,
        target,
        streams=app.streams,
        force=force,
        progress=progress and not app.flags.quiet,
        error_for=provider.error_from_response,
        cancel=cancel,
    )


def check_beside(provider: Provider, first_id: str, target: Target) -> None:
    """Refused before any download: a provider without a report, or a target with no place
    beside it (stdout, a device)."""
    provider.audit_report_source(first_id)  # no request: unsupported providers raise here
    if target.kind in ("stdout", "device"):
        raise UsageError(
            "--with-audit saves the report beside the downloaded file: give -o FILE or DIR/",
            hint="or run `esign doc audit ID -o -` on its own",
        )


def beside(path: str) -> Path:
    """contract.pdf -> contract.audit.pdf, in the same directory."""
    saved = Path(path)
    stem = saved.name[: -len(saved.suffix)] if saved.suffix else saved.name
    return saved.with_name(stem + AUDIT_SUFFIX)


def add_report(
    app: AppContext,
    provider: Provider,
    document_id: str,
    result: DownloadResult,
    *,
    force: bool,
    cancel: Cancellation | None = None,
) -> DownloadResult:
    """The document's report beside its downloaded PDF, recorded in `result.audit`. The PDF
    stays whatever happens to the report: the failure says so."""
    path = beside(result.path)
    try:
        result.audit = save_report(
            app,
            provider,
            document_id,
            Target("file", path),
            force=force,
            progress=False,
            cancel=cancel,
        )
    except EsignError as err:
        err.message = f"saved {result.path}, but not its activity report {path.name}: {err.message}"
        raise
    return result
