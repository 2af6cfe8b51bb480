"""Flag values several command groups read the same way: a signer (`Name <email>`), a phone
(`+CC NUMBER`), a template variable (`KEY=VALUE`), and a small JSON file the user wrote.

Parsing only: what a provider accepts is the provider's to say.
"""

from __future__ import annotations

import json
import re
from typing import Any

import typer

from esign.core.errors import UsageError
from esign.providers.options import Phone, SignerSpec

_SIGNER = re.compile(r"^\s*(?P<name>[^<>]*?)\s*(?:<(?P<email>[^<>\s]+@[^<>\s]+)>)?\s*$")
_PHONE = re.compile(r"^\+(?P<country>[0-9]{1,4})[\s.-]+(?P<number>[0-9(][0-9\s().-]{3,20})$")
# A signers or fields file is a few kilobytes; this stops `--signers /dev/zero`.
MAX_JSON_BYTES = 1 << 20


def parse_signer(text: str) -> SignerSpec:
    match = _SIGNER.match(text)
    if not match or not match.group("name"):
        raise typer.BadParameter(f"{text!r} is not 'Name' or 'Name <email>'", param_hint="--signer")
    return SignerSpec(name=match.group("name"), email=match.group("email"))


def parse_phone(text: str, flag: str) -> Phone:
    """`+55 11999999999`: the country code and the number apart, as ZapSign keeps them
    (phone_country, phone_number); inside the number, spaces, dots, dashes and brackets."""
    match = _PHONE.match(text.strip())
    if not match:
        raise typer.BadParameter(
            f"{text!r} is not '+CC NUMBER' (the country code, a space, then the number, "
            "e.g. '+55 11999999999')",
            param_hint=flag,
        )
    number = re.sub(r"[^0-9]", "", match.group("number"))
    return Phone(country=match.group("country"), number=number)


def parse_pair(text: str, flag: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise typer.BadParameter(f"{text!r} is not KEY=VALUE", param_hint=flag)
    return key.strip(), value


def read_json(path: str, flag: str) -> Any:
    """A JSON file the user wrote (UTF-8, at most 1 MiB); any problem is exit 2 naming it."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {flag} {path}: {exc.strerror}") from None
    if len(data) > MAX_JSON_BYTES:
        raise UsageError(f"{flag} {path} is larger than {MAX_JSON_BYTES >> 20} MiB")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UsageError(f"{flag} {path} is not UTF-8 text (byte {exc.start})") from None
    except ValueError as exc:
        raise UsageError(f"{flag} {path} is not valid JSON: {exc}") from None
