"""ZapSign's request create with everything its signers and documents take (per-signer
options, a signers file, signing order, reminders, a URL or a .docx, a folder, a webhook bound
to the new document), templates, and the account's plan, against the sandbox; the documented
samples replayed (gabernardi/zapsign-api-docs)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CallbackReceiver, Cli, SandboxAdmin
from tests.hostile import HostileServer, pdf_reply
from tests.providers.test_provider_truth import _jsonish, pdf_text, replay
from tests.providers.zapsign.test_zapsign_workflow import API, posts, store, wait_for


def create(zs: Cli, *args: str) -> dict[str, Any]:
    result = zs("request", "create", *args)
    assert result.exit_code == 0, result.stderr
    return dict(result.json())


def stored_doc(sandbox: SandboxAdmin, document_id: str) -> Any:
    return store(sandbox).docs[document_id]


# == per-signer options, order, reminders ======================================================


def test_signer_companions_pair_by_position(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    data = create(
        zs,
        str(contract),
        "--signer",
        "Ana <ana@example.com>",
        "--signer",
        "Bruno <bruno@example.com>",
        "--signer-phone",
        "-",
        "--signer-phone",
        "+351 912 345 678",
        "--signer-auth-mode",
        "assinaturaTela-tokenEmail",
        "--order",
        "--signer-order",
        "2",
        "--signer-order",
        "1",
        "--send-email",
        "--reminder-days",
        "3",
    )
    doc = stored_doc(sandbox, data["document_id"])
    ana, bruno = doc.signers
    assert (ana.phone_country, ana.phone_number) == ("", "")
    assert (bruno.phone_country, bruno.phone_number) == ("351", "912345678")
    # Given once: for every signer.
    assert ana.auth_mode == bruno.auth_mode == "assinaturaTela-tokenEmail"
    assert (ana.order_group, bruno.order_group) == (2, 1)
    assert doc.signature_order_active and doc.reminder_every_n_days == 3
    assert ana.send_automatic_email and bruno.send_automatic_email
    # Signed in order: Ana's turn comes after Bruno's.
    early = zs("sandbox", "sign", data["document_id"], "--signer", ana.token)
    assert early.exit_code != 0 and "turn" in early.stderr
    assert zs("sandbox", "sign", data["document_id"], "--signer", bruno.token).exit_code == 0
    assert zs("sandbox", "sign", data["document_id"], "--signer", ana.token).exit_code == 0


def test_order_alone_follows_the_signers_order(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    data = create(zs, str(contract), "--signer", "Ana", "--signer", "Bruno", "--order")
    doc = stored_doc(sandbox, data["document_id"])
    assert [s.order_group for s in doc.signers] == [1, 2]  # Criar documento: 1 = first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "--signer",
                "A",
                "--signer",
                "B",
                "--signer-phone",
                "+55 1",
                "--signer-phone",
                "+55 2",
                "--signer-phone",
                "+55 3",
            ],
            "given 3 times for 2 --signer",
        ),
        (["--signer", "A", "--signer-phone", "11999999999"], "is not '+CC NUMBER'"),
        (
            ["--signer", "A", "--signer-auth-mode", "retina"],
            "'--signer-auth-mode': 'retina' is not one of",
        ),
        (["--signer", "A", "--signer-order", "1"], "needs --order"),
        (["--signer", "A", "--signer-order", "first", "--order"], "is not a number"),
        (["--signer", "A", "--reminder-days", "3"], "--reminder-days needs --send-email"),
        (["--signer", "A", "--reminder-days", "0", "--send-email"], "--reminder-days"),
        (["--signer", "A", "--folder", "/a/b/c/d/e/f/"], "6 levels"),
        (["--signer", "A", "--folder", "/" + "x" * 51], "longer than 50"),
        (["--signer-phone", "+55 11999999999"], "goes with --signer"),
        (["--signer", "A", "--url", "https://example.com/c.pdf"], "FILE to sign or --url"),
    ],
)
def test_create_option_errors_send_nothing(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, args: list[str], message: str
) -> None:
    sandbox.clear_requests()
    result = zs("request", "create", str(contract), *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert posts(sandbox, f"{API}/docs/") == []


def test_signers_file_takes_the_apis_signer_objects(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    # The objects of Criar documento's signer table, as the docs' signer-groups sample writes
    # them (definir-grupos-de-signatarios.md, two of its signers, verbatim fields).
    signers = [
        {
            "name": "Signatário 1",
            "email": "email1@cliente.com",
            "auth_mode": "assinaturaTela",
            "order_group": 1,
            "custom_message": "Você é o primeiro do grupo. Assine assim que possível.",
            "phone_country": "55",
            "phone_number": "11999999999",
            "require_cpf": True,
            "cpf": "12345678900",
            "send_automatic_email": True,
            "send_automatic_whatsapp": False,
            "lock_email": False,
        },
        {
            "name": "Signatário 3",
            "email": "email3@cliente.com",
            "order_group": 2,
            "lock_name": True,
        },
    ]
    path = tmp_path / "signers.json"
    path.write_text(json.dumps(signers), encoding="utf-8")
    data = create(zs, str(contract), "--signers", str(path), "--order")
    assert [s["name"] for s in data["signers"]] == ["Signatário 1", "Signatário 3"]
    doc = stored_doc(sandbox, data["document_id"])
    first, second = doc.signers
    assert (first.order_group, second.order_group) == (1, 2)
    assert first.options["cpf"] == "12345678900" and second.options["lock_name"] is True
    assert first.send_automatic_email and first.phone_number == "11999999999"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "Ana"}', "JSON array"),
        ("[]", "JSON array"),
        ('[{"email": "a@x.com"}]', "has no name"),
        ('[{"name": "Ana", "external_id": null}]', "'external_id' is null"),
        ('[{"name": "Ana", "lock_email": "true"}]', "must be true or false"),
        ('[{"name": "Ana", "send_automatic_email": true}]', "needs an email"),
        ('[{"name": "Ana",]', "not valid JSON"),
        (b"\xff\xfe[]", "not UTF-8"),
    ],
)
def test_signers_file_errors(
    zs: Cli,
    contract: Path,
    sandbox: SandboxAdmin,
    tmp_path: Path,
    content: str | bytes,
    message: str,
) -> None:
    path = tmp_path / "signers.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    sandbox.clear_requests()
    result = zs("request", "create", str(contract), "--signers", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert posts(sandbox, f"{API}/docs/") == []


def test_signers_file_and_signer_flags_do_not_mix(zs: Cli, contract: Path, tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('[{"name": "Ana"}]')
    both = zs("request", "create", str(contract), "--signers", str(path), "--signer", "Bruno")
    assert both.exit_code == 2 and "not both" in both.stderr
    emailed = zs("request", "create", str(contract), "--signers", str(path), "--send-email")
    assert emailed.exit_code == 2 and "send_automatic_email" in emailed.stderr
    missing = zs("request", "create", str(contract), "--signers", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "cannot read --signers" in missing.stderr
    huge = tmp_path / "huge.json"
    huge.write_bytes(b"[" + b" " * (2 << 20) + b"]")
    assert zs("request", "create", str(contract), "--signers", str(huge)).exit_code == 2


# == --url, .docx, --folder =====================================================================


def test_create_from_a_url_and_from_a_docx(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, hostile: HostileServer, tmp_path: Path
) -> None:
    hostile.route("GET", "/files/contract.pdf$", pdf_reply(contract.read_bytes()))
    data = create(zs, "--url", f"{hostile.url}/files/contract.pdf", "--signer", "Ana")
    doc = stored_doc(sandbox, data["document_id"])
    assert doc.original == contract.read_bytes() and doc.name == "contract.pdf"
    docx = tmp_path / "contract.docx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    docx.write_bytes(buffer.getvalue())
    sandbox.clear_requests()
    made = create(zs, str(docx), "--signer", "Ana", "--folder", "contracts/2026")
    doc = stored_doc(sandbox, made["document_id"])
    assert "Converted from a .docx" in pdf_text(doc.original)
    assert doc.folder_path == "/contracts/2026/" and doc.name == "contract"
    xlsx = tmp_path / "sheet.xlsx"
    xlsx.write_bytes(buffer.getvalue())
    refused = zs("request", "create", str(xlsx), "--signer", "Ana")
    assert refused.exit_code == 2 and ".docx files only" in refused.stderr


def test_url_body_fields(zs_env: dict[str, str], hostile: HostileServer) -> None:
    from tests.hostile import json_reply

    answer = {"token": "t1", "status": "pending", "signers": [{"token": "s1", "status": "new"}]}
    hostile.route("POST", "/api/v1/docs/$", json_reply(json.dumps(answer)))
    cli = Cli({**zs_env, "ESIGN_BASE_URL": f"{hostile.url}/api/v1"})
    result = cli(
        "request", "create", "--url", "https://files.example/a/contract.DOCX", "--signer", "Ana"
    )
    assert result.exit_code == 0, result.stderr
    body = json.loads(hostile.seen[0].body)
    assert body["url_docx"] == "https://files.example/a/contract.DOCX" and "url_pdf" not in body
    assert body["name"] == "contract.DOCX"


# == --callback-url: a webhook bound to the new document ========================================


def test_callback_url_binds_a_webhook_to_the_new_document(
    zs: Cli, contract: Path, sandbox: SandboxAdmin, callback_receiver: CallbackReceiver
) -> None:
    sandbox.clear_requests()
    result = zs(
        "request",
        "create",
        str(contract),
        "--signer",
        "Ana",
        "--callback-url",
        callback_receiver.url,
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["webhook_id"]
    assert "2 calls" in result.stderr and "POST /user/company/webhook/" in result.stderr
    [hook] = [h for h in store(sandbox).webhooks if str(h.id) == data["webhook_id"]]
    assert (hook.url, hook.type, hook.doc_token) == (callback_receiver.url, "", data["document_id"])
    other = create(zs, str(contract), "--signer", "Bruno")["document_id"]
    zs("sandbox", "sign", other)  # not bound: no delivery
    zs("sandbox", "sign", data["document_id"])
    wait_for(lambda: len(callback_receiver.received) >= 1)
    tokens = {r["json"]["token"] for r in callback_receiver.received}
    assert tokens == {data["document_id"]}
    raw = zs("doc", "info", data["document_id"], "--raw")
    assert raw.exit_code == 0


def test_a_failed_webhook_call_still_prints_the_created_document(
    zs: Cli, contract: Path, sandbox: SandboxAdmin
) -> None:
    sandbox.faults(
        {
            "kind": "status",
            "status": 500,
            "method": "POST",
            "path": "/user/company/webhook/$",
            "count": 1,
        }
    )
    sandbox.clear_requests()
    result = zs(
        "request",
        "create",
        str(contract),
        "--signer",
        "Ana",
        "--callback-url",
        "https://example.com/hook",
    )
    assert result.exit_code == 1
    data = result.json()  # stdout: the document that was created
    assert data["document_id"] in store(sandbox).docs and "webhook_id" not in data
    assert f"document {data['document_id']} was created" in result.stderr
    assert "do not create it again" in result.stderr
    assert len(posts(sandbox, f"{API}/docs/")) == 1  # the create was not repeated


# == templates (Listar modelos; Criar documento via modelo) =====================================

# modelos/listar-modelos.md, "200: OK Listagem realizada com sucesso" (the docs end `results`
# with a literal `...` element: removed).
TEMPLATES_SAMPLE = """{
	"count": 31,
	"next": "http://api.zapsign.com.br/api/v1/templates/?page=2",
	"previous": null,
	"results": [
		{
			"token": "152f8416-xxxx-xxxx-xxxx-1aaf785dd335",
			"template_type": "docx",
			"name": "Template name",
			"active": true,
			"template_file": "https://zapsign.s3.amazonaws.com/2022/1/docs/xxxxx-d66b-495f-9b51-xxxx.docx",
			"created_at": "2022-01-05T12:59:42.563218Z",
			"last_update_at": "2022-01-05T13:03:22.242003Z",
			"redirect_link": "",
			"folder_path": "",
			"lang": "pt-br"
		},
		{
			"token": "333333333-xxxx-xxxx-xxxx-1aaf785dd335",
			"template_type": "docx",
			"name": "Template name 2",
			"active": true,
			"template_file": "https://zapsign.s3.amazonaws.com/2022/1/docs/xxxxx-d66b-495f-9b51-xxxx.docx",
			"created_at": "2022-01-05T12:59:42.563218Z",
			"last_update_at": "2022-01-05T13:03:22.242003Z",
			"redirect_link": "",
			"folder_path": "",
			"lang": "pt-br"
		}
	]
}"""


def test_documented_template_list_replayed(zs: Cli, sandbox: SandboxAdmin) -> None:
    replay(sandbox, "GET", f"^{API}/templates/$", _jsonish(TEMPLATES_SAMPLE), count=1)
    result = zs("template", "list")
    assert result.exit_code == 0, result.stderr
    first = result.json()[0]
    assert first == {
        "provider": "zapsign",
        "id": "152f8416-xxxx-xxxx-xxxx-1aaf785dd335",
        "name": "Template name",
        "type": "docx",
        "active": True,
        "lang": "pt-br",
        "folder_path": None,
        "created_at": "2022-01-05T12:59:42Z",
        "updated_at": "2022-01-05T13:03:22Z",
    }
    assert "use --all for every page" in result.stderr


def test_template_list_pages_and_terminal(zs: Cli, sandbox: SandboxAdmin) -> None:
    from esign.sandbox.zapsign.store import ZTemplate

    owner = sandbox.zapsign("api_key")
    extra = [
        ZTemplate(token=f"tpl-{i:02d}", owner=owner, name=f"T{i}", lines=["x"]) for i in range(23)
    ]
    templates = store(sandbox).templates
    templates.update({t.token: t for t in extra})
    try:
        first = zs("template", "list")
        assert len(first.json()) == 20 and "first 20 templates" in first.stderr
        every = zs("template", "list", "--all").json()
        assert len(every) == 25 and len({t["id"] for t in every}) == 25
        assert len(zs("template", "list", "--limit", "22").json()) == 22
    finally:
        for t in extra:
            del templates[t.token]
    shown = zs("template", "list", tty=True, env={"NO_COLOR": "1"})
    assert "2 templates" in shown.stdout


def test_create_from_a_template(zs: Cli, sandbox: SandboxAdmin) -> None:
    templates = zs("template", "list").json()
    active = next(t["id"] for t in templates if t["active"])
    result = zs(
        "request",
        "create",
        "--template",
        active,
        "--data",
        "NOME COMPLETO=Ana Souza",
        "--data",
        "{{NÚMERO DO CPF}}=123.456.789-00",
        "--signer",
        "Ana Souza <ana@example.com>",
        "--signer-phone",
        "+55 11999999999",
        "--send-email",
        "--folder",
        "/rh/",
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert [s["name"] for s in data["signers"]] == ["Ana Souza"] and data["sign_url"]
    assert len(posts(sandbox, f"{API}/models/create-doc/")) == 1
    doc = stored_doc(sandbox, data["document_id"])
    assert doc.answers == [
        {"variable": "NOME COMPLETO", "value": "Ana Souza"},
        {"variable": "NÚMERO DO CPF", "value": "123.456.789-00"},
    ]
    text = pdf_text(doc.original)
    assert "Contratante: Ana Souza" in text and "123.456.789-00" in text
    signer = doc.signers[0]
    assert (signer.email, signer.phone_number, signer.send_automatic_email) == (
        "ana@example.com",
        "11999999999",
        True,
    )
    raw = zs("doc", "info", data["document_id"], "--raw").json()
    assert raw["answers"][0] == {"variable": "NOME COMPLETO", "value": "Ana Souza"}


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["--data", "X=1", "--signer", "Ana"], "add --template", 2),
        (["--template", "{active}", "--signer", "A", "--signer", "B"], "exactly one signer", 2),
        (["--template", "{active}", "--signer", "A", "--name", "N"], "takes no --name", 2),
        (
            ["--template", "{active}", "--signer", "A", "--signer-auth-mode", "tokenSms"],
            "authentication mode",
            2,
        ),
        (["--template", "{active}", "--signer", "A", "--data", "novalue"], "KEY=VALUE", 2),
        (["--template", "{active}", "{pdf}", "--signer", "A"], "drop FILE", 2),
        (["--template", "0eb8f439-0000-4014", "--signer", "A"], "não foram encontrados", 5),
        (["--template", "{inactive}", "--signer", "A"], "inativo", 6),
    ],
)
def test_template_create_errors(
    zs: Cli, contract: Path, args: list[str], message: str, code: int
) -> None:
    templates = zs("template", "list").json()
    ids = {
        "{active}": next(t["id"] for t in templates if t["active"]),
        "{inactive}": next(t["id"] for t in templates if not t["active"]),
        "{pdf}": str(contract),
    }
    result = zs("request", "create", *[ids.get(a, a) for a in args])
    assert result.exit_code == code, result.stderr
    assert message in result.stderr


# == account (Informações do plano) ============================================================


def test_account_shows_the_plan_and_credits_spent(zs: Cli, contract: Path) -> None:
    before = zs("account").json()
    assert before["plan"] == "Sandbox API" and before["plan_status"] == "paid"
    assert before["period"] == "monthly" and len(before["period_end"]) == 10  # an ISO date
    document_id = create(zs, str(contract), "--signer", "Ana")["document_id"]
    zs("doc", "attach", document_id, str(contract))
    after = zs("account", "show").json()  # `esign account` is `esign account show`
    assert after["credits"] == before["credits"] - 2  # the document and its attachment
    shown = zs("account", tty=True, env={"NO_COLOR": "1"})
    assert "Credits left" in shown.stdout and "Sandbox API" in shown.stdout


def test_account_without_a_plan_is_the_documented_404(zs: Cli, sandbox: SandboxAdmin) -> None:
    result = zs("account", env={"ESIGN_API_KEY": sandbox.zapsign("no_plan_api_key")})
    assert result.exit_code == 5
    # conta/informacoes-do-plano.md, "404- Plano nao encontrado" (plain text, verbatim).
    assert "Unable to find information about this plan" in result.stderr


def test_documented_plan_sample_replayed(zs: Cli, sandbox: SandboxAdmin) -> None:
    # conta/informacoes-do-plano.md, "200- plano encontrado" (the HTML around it removed):
    # credits as a string, the period end as the placeholder the docs show.
    sample = """{
    "name": "Test Plan",
    "number_of_credits": "100",
    "status": "paid",
    "period": "annual",
    "current_period_end": "dd-mm-yyyy"
}"""
    replay(sandbox, "GET", f"^{API}/info-plan/$", sample)
    data = zs("account").json()
    assert (data["plan"], data["credits"], data["plan_status"], data["period"]) == (
        "Test Plan",
        100,
        "paid",
        "annual",
    )
    assert data["period_end"] == "dd-mm-yyyy"  # not a date: kept as ZapSign wrote it
    sandbox.clear_faults()
    replay(
        sandbox,
        "GET",
        f"^{API}/info-plan/$",
        {**json.loads(sample), "current_period_end": "31-01-2027"},
    )
    assert zs("account").json()["period_end"] == "2027-01-31"


def test_no_credit_left_is_402(zs: Cli, contract: Path, sandbox: SandboxAdmin) -> None:
    account = store(sandbox).accounts[sandbox.zapsign("api_key")]
    kept = account.credits
    account.credits = 0
    try:
        result = zs("request", "create", str(contract), "--signer", "Ana")
        assert result.exit_code == 6 and "402" in result.stderr
        assert zs("account").json()["credits"] == 0
    finally:
        account.credits = kept
