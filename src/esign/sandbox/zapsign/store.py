"""What the ZapSign emulator knows: accounts with their rate-limit window, plan and credits
(spec §2, §4, §10), documents with their signers and activity history (§6, §7.7), templates
(§10), webhooks (§9.2), and the presigner of file URLs."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from esign.sandbox.limits import Limit, Window
from esign.sandbox.presign import Presigner
from esign.sandbox.state import SharedState

PROVIDER = "zapsign"
DOCUMENTED_LIMIT = Limit(500, 60)  # "500 requisições por minuto" per token (spec §4)
DEMO_CREDITS = 1000
API_USER = "sandbox@esign.invalid"  # who the API's actions are by (created_by, history)
REMINDER_INTERVAL = 30 * 60  # "at most one reminder every 30 minutes" (Atualizar signatário)
DOC_EVENTS = ("doc_created", "doc_signed", "doc_deleted", "doc_refused")  # the "All" type


def _demo_token(label: str) -> str:
    return str(uuid.UUID(hashlib.sha256(label.encode()).hexdigest()[:32]))


DEMO_API_TOKEN = _demo_token("esign-sandbox-zapsign-demo")
NO_PLAN_API_TOKEN = _demo_token("esign-sandbox-zapsign-no-plan")  # 402 on create
OTHER_ENV_API_TOKEN = _demo_token("esign-sandbox-zapsign-production")  # 403 everywhere


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Account:
    kind: str = "ok"  # "ok" | "no_plan" | "other_env"
    limit_per_minute: int | None = None  # this token's own limit, instead of the sandbox's
    window: Window = field(default_factory=Window)
    open_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Each document and each extra document costs one API credit; deleting refunds none.
    credits: int = DEMO_CREDITS


@dataclass
class ZSigner:
    token: str
    name: str
    email: str
    send_automatic_email: bool = False
    external_id: str = ""
    auth_mode: str = "assinaturaTela"
    status: str = "new"
    times_viewed: int = 0
    last_view_at: str | None = None
    signed_at: str | None = None
    phone_country: str = ""
    phone_number: str = ""
    qualification: str = ""
    redirect_link: str = ""
    order_group: int | None = None
    # The other documented signer fields as the request gave them (lock_name, cpf, ...),
    # echoed in the signer object.
    options: dict[str, Any] = field(default_factory=dict)
    last_reminder_at: float | None = None  # time.time() of the last reminder sent


@dataclass
class ZDoc:
    token: str
    owner: str
    open_id: int
    name: str
    original: bytes
    lang: str
    signers: list[ZSigner]
    external_id: str = ""
    folder_path: str = "/"
    status: str = "pending"
    signed: bytes | None = None
    created_at: str = field(default_factory=now_text)
    last_update_at: str = field(default_factory=now_text)
    deleted: bool = False
    deleted_at: str | None = None
    rejected_reason: str | None = None
    date_limit_to_sign: str | None = None
    metadata: list[dict[str, Any]] = field(default_factory=list)
    disable_signer_emails: bool = False
    signed_file_only_finished: bool = False
    parent: str | None = None  # an extra document's main document
    extras: list[str] = field(default_factory=list)
    signature_order_active: bool = False
    reminder_every_n_days: int = 0
    answers: list[dict[str, str]] = field(default_factory=list)  # from a template
    template: str | None = None  # the template's token
    # The activity history (Histórico de atividades): {time, user, event, description}.
    log: list[dict[str, str]] = field(default_factory=list)

    def touch(self) -> None:
        self.last_update_at = now_text()

    def in_progress(self) -> bool:
        return self.status == "pending" and not self.deleted

    def record(self, event: str, user: str, description: str) -> None:
        """An entry of the activity history; `time` as the documented sample writes it,
        "2024-11-27 17:44:32.117577+00:00" (a space, not ISO's T)."""
        moment = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + "+00:00"
        self.log.append({"time": moment, "user": user, "event": event, "description": description})


@dataclass
class ZTemplate:
    """A DOCX template (Listar modelos): its text, with `{{VARIABLE}}`s a create fills."""

    token: str
    owner: str
    name: str
    lines: list[str]
    active: bool = True
    lang: str = "pt-br"
    folder_path: str = ""
    created_at: str = field(default_factory=now_text)
    last_update_at: str = field(default_factory=now_text)


@dataclass
class Webhook:
    id: int
    owner: str
    url: str
    type: str
    doc_token: str | None
    headers: list[dict[str, str]]

    def header_map(self) -> dict[str, str]:
        return {str(h.get("name")): str(h.get("value")) for h in self.headers if h.get("name")}

    def wants(self, event: str, doc_token: str) -> bool:
        if self.doc_token and self.doc_token != doc_token:
            return False
        return event in DOC_EVENTS if self.type == "" else event == self.type


@dataclass
class ZapSignStore:
    shared: SharedState
    accounts: dict[str, Account] = field(
        default_factory=lambda: {
            DEMO_API_TOKEN: Account(),
            NO_PLAN_API_TOKEN: Account(kind="no_plan"),
            OTHER_ENV_API_TOKEN: Account(kind="other_env"),
        }
    )
    docs: dict[str, ZDoc] = field(default_factory=dict)
    signer_docs: dict[str, str] = field(default_factory=dict)
    templates: dict[str, ZTemplate] = field(default_factory=lambda: demo_templates(DEMO_API_TOKEN))
    webhooks: list[Webhook] = field(default_factory=list)
    webhook_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    presigner: Presigner = field(default_factory=Presigner)
    # Every token's limit (`sandbox serve --rate`, the admin API); None: no limit.
    rate: Limit | None = DOCUMENTED_LIMIT

    def limit_of(self, account: Account) -> Limit | None:
        if account.limit_per_minute is not None:
            return Limit(account.limit_per_minute, 60)
        return self.rate

    def set_rate(self, rate: Limit | None) -> None:
        """A new limit, counted from a fresh window for every token."""
        self.rate = rate
        for account in self.accounts.values():
            account.window = Window()

    def find(self, some_id: str) -> tuple[ZDoc, ZSigner | None] | None:
        """A document by its token, or a signer's document by the signer's token."""
        if some_id in self.docs:
            return self.docs[some_id], None
        doc_token = self.signer_docs.get(some_id)
        if doc_token is None:
            return None
        doc = self.docs[doc_token]
        return doc, next(s for s in doc.signers if s.token == some_id)


# Signer fields the emulator keeps as given and echoes (Criar documento's signer table).
ECHOED_SIGNER_FIELDS = (
    "lock_name",
    "lock_email",
    "lock_phone",
    "blank_email",
    "blank_phone",
    "hide_email",
    "hide_phone",
    "require_selfie_photo",
    "require_document_photo",
    "selfie_validation_type",
    "cpf",
    "send_automatic_whatsapp_signed_file",
)


def new_signer(data: dict[str, Any]) -> ZSigner:
    order = data.get("order_group")
    return ZSigner(
        token=str(uuid.uuid4()),
        name=str(data["name"]).strip(),
        email=str(data.get("email") or ""),
        send_automatic_email=bool(data.get("send_automatic_email", False)),
        external_id=str(data.get("external_id") or ""),
        auth_mode=str(data.get("auth_mode") or "assinaturaTela"),
        phone_country=str(data.get("phone_country") or ""),
        phone_number=str(data.get("phone_number") or ""),
        qualification=str(data.get("qualification") or ""),
        redirect_link=str(data.get("redirect_link") or ""),
        order_group=order if isinstance(order, int) and not isinstance(order, bool) else None,
        options={k: data[k] for k in ECHOED_SIGNER_FIELDS if k in data},
    )


def demo_templates(owner: str) -> dict[str, ZTemplate]:
    """The demo account's templates: one to create from (its variables are the documented
    sample's), and an inactive one, which a create refuses (403)."""
    active = ZTemplate(
        token=_demo_token("esign-sandbox-zapsign-template-contract"),
        owner=owner,
        name="Contrato de prestação de serviços",
        lines=[
            "Contrato de prestação de serviços",
            "",
            "Contratante: {{NOME COMPLETO}}",
            "CPF: {{NÚMERO DO CPF}}",
            "Endereço: {{ENDEREÇO COMPLETO}}",
            "",
            "Assinatura: ______________________",
        ],
    )
    inactive = ZTemplate(
        token=_demo_token("esign-sandbox-zapsign-template-inactive"),
        owner=owner,
        name="Modelo antigo (inativo)",
        lines=["Modelo antigo", "{{NOME COMPLETO}}"],
        active=False,
    )
    return {t.token: t for t in (active, inactive)}
