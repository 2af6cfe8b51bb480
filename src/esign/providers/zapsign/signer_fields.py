"""ZapSign signer objects as requests carry them (spec §7.1 "Signer object", §8.2, §8.3): built
from esign's options, or taken from the user's own file of API signer objects and checked
against the general rules (strings never null, booleans real booleans)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from esign.core.errors import InvalidChoiceError, UsageError

if TYPE_CHECKING:
    from esign.providers.options import Phone, SignerOptions, SignerSpec

# Criar documento lists these; Adicionar signatário spells the WhatsApp ones with a capital A
# (tokenWhatsApp) and Atualizar signatário lists no WhatsApp mode at all (spec §6.3). The
# create page's spelling is sent; any case is accepted from the user.
AUTH_MODES = (
    "assinaturaTela",
    "tokenEmail",
    "assinaturaTela-tokenEmail",
    "tokenSms",
    "assinaturaTela-tokenSms",
    "tokenWhatsapp",
    "assinaturaTela-tokenWhatsapp",
    "certificadoDigital",
)
# Signer fields documented as booleans (Criar documento, Atualizar signatário).
BOOLEAN_FIELDS = frozenset(
    {
        "send_automatic_email",
        "send_automatic_whatsapp",
        "send_automatic_whatsapp_signed_file",
        "lock_name",
        "lock_email",
        "lock_phone",
        "blank_email",
        "blank_phone",
        "hide_email",
        "hide_phone",
        "require_cpf",
        "validate_cpf",
        "require_selfie_photo",
        "require_document_photo",
    }
)
FOLDER_MAX = 255  # folder_path: at most 255 characters, 50 per folder, 5 levels
FOLDER_PART_MAX = 50
FOLDER_LEVELS = 5


def auth_mode(value: str, flag: str = "--auth-mode") -> str:
    for mode in AUTH_MODES:
        if mode.lower() == value.strip().lower():
            return mode
    raise InvalidChoiceError(flag, value, AUTH_MODES, where="ZapSign's auth_mode")


def http_url(value: str, flag: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # ZapSign: "remember the http:// or https:// at the start" (Atualizar signatário).
        raise UsageError(f"{flag} must be an absolute http(s) URL, got {value!r}")
    return value


def _phone(phone: Phone) -> dict[str, str]:
    return {"phone_country": phone.country, "phone_number": phone.number}


def create_signer(
    spec: SignerSpec, *, send_email: bool, redirect: str | None, position: int | None
) -> dict[str, Any]:
    """One signer of a new document. `position` is its order_group when the document is
    signed in order: the signer's own --signer-order, else its place in the list (1 = first,
    as Criar documento says; the groups page counts from 0: gap 10)."""
    body: dict[str, Any] = {
        "name": spec.name,
        # Strings are never sent as null (ZapSign's general rules).
        "email": spec.email or "",
        "send_automatic_email": send_email,
    }
    if spec.phone:
        body.update(_phone(spec.phone))
    if spec.auth_mode:
        body["auth_mode"] = auth_mode(spec.auth_mode, "--signer-auth-mode")
    if redirect:
        # The signer's "Continue" link after signing; ZapSign has no document-wide redirect.
        body["redirect_link"] = redirect
    order = spec.order if spec.order is not None else position
    if order is not None:
        body["order_group"] = order
    return body


def signer_body(opts: SignerOptions) -> dict[str, Any]:
    """Add signatário / Atualizar signatário: only the fields given."""
    body: dict[str, Any] = {}
    if opts.name is not None:
        if not opts.name.strip():
            raise UsageError("--name must not be empty")
        body["name"] = opts.name.strip()
    if opts.email is not None:
        body["email"] = opts.email
    if opts.phone is not None:
        body.update(_phone(opts.phone))
    if opts.auth_mode is not None:
        body["auth_mode"] = auth_mode(opts.auth_mode)
    if opts.redirect_url is not None:
        body["redirect_link"] = http_url(opts.redirect_url, "--redirect-url")
    if opts.order is not None:
        body["order_group"] = opts.order
    if opts.send_email:
        body["send_automatic_email"] = True
    return body


def checked_signer_objects(objects: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """The user's own signer objects (--signers FILE.json), sent as written once they pass
    the rules ZapSign states for every body: a name, no null strings, real booleans."""
    checked = []
    for number, signer in enumerate(objects, start=1):
        where = f"--signers: signer {number}"
        if not isinstance(signer, dict):
            raise UsageError(f"{where} is not a JSON object")
        name = signer.get("name")
        if not isinstance(name, str) or not name.strip():
            raise UsageError(f"{where} has no name", hint='each signer needs "name"')
        for key, value in signer.items():
            if value is None:
                raise UsageError(
                    f"{where}: {key!r} is null",
                    hint='ZapSign refuses null strings: write "" or leave the key out',
                )
            if key in BOOLEAN_FIELDS and not isinstance(value, bool):
                raise UsageError(
                    f"{where}: {key!r} must be true or false, not {value!r}",
                    hint='ZapSign does not read "true" (a string) as true',
                )
        if signer.get("send_automatic_email") and not signer.get("email"):
            raise UsageError(f"{where}: send_automatic_email needs an email")
        checked.append(dict(signer))
    return checked


def folder_path(value: str) -> str:
    """A folder as ZapSign writes it, `/a/b/`, within its documented limits."""
    parts = [part for part in value.strip().split("/") if part]
    if not parts:
        return "/"
    path = "/" + "/".join(parts) + "/"
    if len(parts) > FOLDER_LEVELS:
        raise UsageError(f"--folder has {len(parts)} levels; ZapSign allows {FOLDER_LEVELS}")
    long = next((part for part in parts if len(part) > FOLDER_PART_MAX), None)
    if long is not None:
        raise UsageError(
            f"--folder: {long[:20]!r}... is longer than {FOLDER_PART_MAX} characters, "
            "ZapSign's limit per folder"
        )
    if len(path) > FOLDER_MAX:
        raise UsageError(f"--folder is longer than ZapSign's {FOLDER_MAX} characters")
    return path
