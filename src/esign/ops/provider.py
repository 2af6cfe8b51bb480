"""The provider this run talks to, built from the app context; and naming the ID a failure
concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from esign.core.context import AppContext
    from esign.core.errors import EsignError
    from esign.providers.base import Provider


def provider_for(app: AppContext) -> Provider:
    from esign.providers.registry import provider_class

    settings = app.settings
    cls = provider_class(settings.provider)
    base_url = settings.base_url or cls.default_base_url
    return cls(
        settings,
        lambda auth: app.http_client(base_url, auth, cls.documented_rate),
        app.load_secret,
        app.token_cache,
        clock=app.clock,
    )


def name_failure(app: AppContext, err: EsignError, subject: str | None) -> EsignError:
    """Say which ID a failure concerns. Scrubbed like the message is: an ID the user typed
    may hold a secret, and the error line must not echo it."""
    if subject:
        from esign.core.redact import scrub

        err.about(scrub(subject, app.known_secrets()))
    return err
