"""Errors and exit codes (ARCHITECTURE.md §5).

Every failure a user can cause or meet is an `EsignError` subclass carrying its exit code, so
the command layer has one place that turns it into a stderr line (and JSON with --json).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any, ClassVar


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    CANCELLED = 3
    AUTH = 4
    NOT_FOUND = 5
    REJECTED = 6
    RATE_LIMITED = 7
    PENDING = 8
    INTERRUPTED = 130


class EsignError(Exception):
    """A failure with a documented exit code and a message that says what to do."""

    exit_code: ClassVar[ExitCode] = ExitCode.UNEXPECTED
    error_type: ClassVar[str] = "unexpected"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        http_status: int | None = None,
        provider: str | None = None,
        provider_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.http_status = http_status
        self.provider = provider
        self.provider_message = provider_message
        # The ID the failure concerns (a document, a request), set where the command knows it.
        self.subject: str | None = None
        # Several IDs in one run (bulk downloads): the line starts with the ID.
        self.lead_with_subject = False

    def about(self, subject: str | None) -> EsignError:
        """Name the ID this failure concerns, unless an inner call already did."""
        if self.subject is None and subject:
            self.subject = subject
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "code": int(self.exit_code),
                "type": self.error_type,
                "message": self.message,
                "hint": self.hint,
                "http_status": self.http_status,
                "provider": self.provider,
                "provider_message": self.provider_message,
                "id": self.subject,
            }
        }

    def line(self) -> str:
        """The one human line for stderr: the ID it concerns (first when several were
        asked for), what failed (with the provider's own words), and what to do."""
        if self.subject and self.lead_with_subject:
            text = f"{self.subject}: error: {self.message}"
        elif self.subject and self.subject not in self.message:
            text = f"error: {self.subject}: {self.message}"
        else:
            text = f"error: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class UnexpectedError(EsignError):
    """Provider 5xx after retries, network failure, malformed response."""


class UsageError(EsignError):
    exit_code = ExitCode.USAGE
    error_type = "usage"


class InvalidChoiceError(UsageError):
    """A value that is not one of an option's few: worded as click words its own
    (`invalid value for '--state': 'x' is not one of tosign, tags, tostamp`); the command
    layer adds the `try '... --help'` hint."""

    def __init__(
        self, flag: str, value: object, choices: Iterable[str], *, where: str = ""
    ) -> None:
        super().__init__(
            f"invalid value for '{flag}': {value!r} is not one of {', '.join(choices)}"
            + (f" ({where})" if where else "")
        )


class UnsupportedError(UsageError):
    """The operation exists, but not for the profile's provider."""

    error_type = "unsupported"


class CancelledError(EsignError):
    exit_code = ExitCode.CANCELLED
    error_type = "cancelled"


class AuthError(EsignError):
    exit_code = ExitCode.AUTH
    error_type = "auth"


class NotFoundError(EsignError):
    exit_code = ExitCode.NOT_FOUND
    error_type = "not_found"


class RejectedError(EsignError):
    exit_code = ExitCode.REJECTED
    error_type = "rejected"


class PresignedUrlRefused(RejectedError):
    """The storage behind a presigned file URL (S3) refused it: expired or altered. Not an
    authentication failure: no credential of the user's is involved."""

    error_type = "presigned_url_refused"


class RateLimitedError(EsignError):
    exit_code = ExitCode.RATE_LIMITED
    error_type = "rate_limited"


class PendingError(EsignError):
    exit_code = ExitCode.PENDING
    error_type = "pending"


class InterruptedByUser(EsignError):
    """Ctrl-C, or a pool told to stop."""

    exit_code = ExitCode.INTERRUPTED
    error_type = "interrupted"


# "The exit code is that of the worst failure": most severe first.
SEVERITY = (
    ExitCode.INTERRUPTED,
    ExitCode.UNEXPECTED,
    ExitCode.AUTH,
    ExitCode.RATE_LIMITED,
    ExitCode.REJECTED,
    ExitCode.NOT_FOUND,
    ExitCode.PENDING,
    ExitCode.CANCELLED,
    ExitCode.USAGE,
)


def worst(codes: list[ExitCode]) -> ExitCode:
    failures = [c for c in codes if c != ExitCode.OK]
    return min(failures, key=SEVERITY.index) if failures else ExitCode.OK


class FailuresReported(Exception):
    """Several failures, each already reported on its own line (a bulk run): the command
    exits with the worst one's code and prints nothing more."""

    def __init__(self, code: ExitCode) -> None:
        super().__init__(int(code))
        self.code = code


class NetworkError(UnexpectedError):
    error_type = "network"


class ServerError(UnexpectedError):
    error_type = "server"


class MalformedResponseError(UnexpectedError):
    error_type = "malformed_response"


def error_for_status(
    status: int,
    message: str,
    *,
    provider: str | None = None,
    provider_message: str | None = None,
    hint: str | None = None,
) -> EsignError:
    """The generic HTTP-status mapping; providers refine it with their own error bodies."""
    cls: type[EsignError]
    if status in (401, 403):
        cls = AuthError
    elif status in (404, 410):
        cls = NotFoundError
    elif status == 429:
        cls = RateLimitedError
    elif 400 <= status < 500:
        cls = RejectedError
    else:
        cls = ServerError
    return cls(
        message,
        hint=hint,
        http_status=status,
        provider=provider,
        provider_message=provider_message,
    )
