"""Options that take one of a few values: what TAB offers for each, and one way to refuse a
value that is not among them (`error: invalid value for '--status': 'x' is not one of ...`).

The values come from where they are defined (statuses from the models, upload states and
document types from the providers that take them), loaded only when TAB is pressed or a
value is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

UNTIL = ("signed", "final")
VIA = ("email", "whatsapp")  # signer remind
# ZapSign's documented languages; OKdokument takes any language code for its lang rule.
LANGS = ("pt-br", "es", "en", "fr")


def document_statuses() -> tuple[str, ...]:
    from esign.core.statuses import DOCUMENT_STATUSES

    return tuple(DOCUMENT_STATUSES)


def upload_states() -> tuple[str, ...]:
    from esign.providers.okdokument.documents import UPLOAD_STATES

    return UPLOAD_STATES


def document_types() -> tuple[str, ...]:
    from esign.providers.indexhealth.documents import DOCUMENT_TYPES

    return DOCUMENT_TYPES


def providers() -> tuple[str, ...]:
    from esign.providers.registry import REGISTRY

    return tuple(REGISTRY.names())


def demo_providers() -> tuple[str, ...]:
    from esign.ops.sandbox_demo import DEMO_PROVIDERS

    return DEMO_PROVIDERS


def auth_modes() -> tuple[str, ...]:
    from esign.providers.zapsign.signer_fields import AUTH_MODES

    return tuple(AUTH_MODES)


def trigger_events() -> tuple[str, ...]:
    """What `esign sandbox trigger` sends: ZapSign's documented events, OKdokument's states."""
    from esign.sandbox.okdokument.signing import EVENTS as OKDOKUMENT_EVENTS
    from esign.sandbox.zapsign.events import EVENTS as ZAPSIGN_EVENTS

    return (*ZAPSIGN_EVENTS, *OKDOKUMENT_EVENTS)


def completer(values: Sequence[str] | Callable[[], Sequence[str]]) -> Callable[[str], list[str]]:
    """TAB's answer: the values that start with what is typed (in any case)."""

    def complete(incomplete: str) -> list[str]:
        known = values() if callable(values) else values
        return [v for v in known if v.lower().startswith(incomplete.lower())]

    return complete


def check(value: str | None, values: Sequence[str], flag: str) -> None:
    """Refuse a value that is not one of `values` (exit 2), worded as the providers' checks
    word theirs (InvalidChoiceError) and as click words any bad value."""
    if value is not None and value not in values:
        from esign.core.errors import InvalidChoiceError

        raise InvalidChoiceError(flag, value, values)
