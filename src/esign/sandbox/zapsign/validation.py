"""What a ZapSign document create may carry (spec §7.1 and "General information"): one file
source, strings never null, booleans, a known language, dates, signers with names; and the
file itself, decoded or fetched, within the 10 MB limit."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from starlette.responses import Response

from esign.sandbox.pdf import make_pdf
from esign.sandbox.zapsign.base import REQUIRED, err, invalid

MAX_BYTES = 10 * 1024 * 1024
LANGS = ("pt-br", "es", "en", "fr")
# Criar documento's list; Adicionar signatário writes tokenWhatsApp with a capital A, and the
# template page adds CPF modes: any case is accepted (spec §6.3).
AUTH_MODES = frozenset(
    mode.lower()
    for mode in (
        "assinaturaTela",
        "tokenEmail",
        "assinaturaTela-tokenEmail",
        "tokenSms",
        "assinaturaTela-tokenSms",
        "tokenWhatsapp",
        "assinaturaTela-tokenWhatsapp",
        "certificadoDigital",
        "CPF",
        "assinaturaTela-cpf",
    )
)
SIGNER_BOOL_FIELDS = (
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
)

FILE_SOURCES = ("url_pdf", "base64_pdf", "url_docx", "base64_docx", "markdown_text")
STRING_FIELDS = (
    "name",
    "lang",
    "external_id",
    "folder_path",
    "brand_logo",
    "brand_name",
    "brand_primary_color",
    "created_by",
    "date_limit_to_sign",
)
BOOL_FIELDS = (
    "disable_signer_emails",
    "signed_file_only_finished",
    "signature_order_active",
    "allow_refuse_signature",
    "sandbox",
)


def validate_create(body: dict[str, Any]) -> Response | None:
    sources = [k for k in FILE_SOURCES if body.get(k)]
    if len(sources) != 1:
        return err(400, error="Envie exatamente uma fonte de arquivo: " + ", ".join(FILE_SOURCES))
    for key in STRING_FIELDS:
        # Strings are never null: send "" or leave the key out.
        if key in body and body[key] is None:
            return invalid({key: ["Este campo não pode ser nulo."]})
    for key in BOOL_FIELDS:
        if key in body and not isinstance(body[key], bool):
            return invalid({key: ["Must be a valid boolean."]})
    if body.get("lang") and body["lang"] not in LANGS:
        return invalid({"lang": [f'"{body["lang"]}" não é um escolha válido.']})
    if body.get("date_limit_to_sign") and not valid_date(body["date_limit_to_sign"]):
        return invalid({"date_limit_to_sign": ["Formato de data inválido."]})
    reminder = body.get("reminder_every_n_days")
    if reminder is not None and not (_integer(reminder) and reminder >= 0):
        return invalid({"reminder_every_n_days": ["Um número inteiro válido é necessário."]})
    folder = validate_folder(body.get("folder_path"))
    if folder is not None:
        return folder
    signers = body.get("signers")
    if not isinstance(signers, list) or not signers:
        return invalid({"signers": [REQUIRED]})
    for signer in signers:
        if not isinstance(signer, dict) or not str(signer.get("name") or "").strip():
            return invalid({"signers": [{"name": [REQUIRED]}]})
        refused = validate_signer(signer)
        if refused is not None:
            return refused
    return None


def validate_signer(signer: dict[str, Any], *, update: bool = False) -> Response | None:
    """A signer object's fields (Criar documento, Adicionar / Atualizar signatário). An
    update may leave out the email or phone the signer already has."""
    for key in SIGNER_BOOL_FIELDS:
        if key in signer and not isinstance(signer[key], bool):
            return invalid({key: ["Must be a valid boolean."]})
    for key, value in signer.items():
        if value is None:
            return invalid({key: ["Este campo não pode ser nulo."]})
    mode = signer.get("auth_mode")
    if mode is not None and (not isinstance(mode, str) or mode.lower() not in AUTH_MODES):
        return invalid({"auth_mode": [f'"{mode}" não é um escolha válido.']})
    order = signer.get("order_group")
    if order is not None and not (_integer(order) and order >= 0):
        return invalid({"order_group": ["Um número inteiro válido é necessário."]})
    if update:
        return None
    if signer.get("send_automatic_email") and not signer.get("email"):
        return invalid({"email": [REQUIRED]})
    if signer.get("send_automatic_whatsapp") and not signer.get("phone_number"):
        return invalid({"phone_number": [REQUIRED]})
    return None


def validate_folder(value: Any) -> Response | None:
    """folder_path: at most 255 characters, 50 per folder, 5 levels (Criar documento)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return invalid({"folder_path": ["Not a valid string."]})
    parts = [part for part in value.split("/") if part]
    if len(value) > 255 or len(parts) > 5 or any(len(part) > 50 for part in parts):
        return invalid({"folder_path": ["Até 255 caracteres, 50 por pasta e 5 níveis de pasta."]})
    return None


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def valid_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


async def file_content(body: dict[str, Any]) -> bytes | Response:
    if body.get("markdown_text"):
        return make_pdf(str(body["markdown_text"]).splitlines()[:60])
    for key in ("base64_pdf", "base64_docx"):
        if body.get(key):
            try:
                content = base64.b64decode(str(body[key]), validate=True)
            except (binascii.Error, ValueError):
                # Includes a `data:application/pdf;base64,` prefix, which ZapSign refuses.
                return err(400, error=f"{key} inválido")
            if len(content) > MAX_BYTES:
                return err(400, error="Arquivo maior que 10 MB")
            if key == "base64_pdf" and not content.startswith(b"%PDF-"):
                return err(400, error="O arquivo não é um PDF válido")
            if key == "base64_docx":
                # ZapSign converts .docx to PDF; the emulator stands one in.
                return make_pdf(["Converted from a .docx file", "(esign sandbox stand-in)"])
            return content
    url = str(body.get("url_pdf") or body.get("url_docx"))
    import httpx

    try:
        async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return err(400, error="Não foi possível baixar o arquivo")
    if response.status_code != 200 or len(response.content) > MAX_BYTES:
        return err(400, error="Não foi possível baixar o arquivo")
    return response.content
