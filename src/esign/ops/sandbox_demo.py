"""`esign sandbox demo`: a first end-to-end job, no account needed.

It drives the same provider code as the real commands, against a sandbox started on a
background thread, and narrates each step as the command a user would type.
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

from esign.core.config.flags import GlobalFlags
from esign.core.context import AppContext
from esign.core.errors import UnexpectedError
from esign.core.files.target import Target
from esign.core.models import Document, Model, Outcome, SignatureRequest
from esign.ops import sandbox_admin
from esign.ops.provider import provider_for
from esign.providers.base import Provider
from esign.providers.options import (
    CreateRequestOptions,
    DownloadOptions,
    FileChoice,
    SignerOptions,
    SignerSpec,
    UploadOptions,
)

DEMO_PROVIDERS = ("okdokument", "zapsign", "indexhealth")
# Where `esign sandbox serve` listens by default: the "equivalent setup" the demo prints is
# for that sandbox (its demo credentials are the same in every run).
SERVE_ORIGIN = "http://127.0.0.1:8765"


def demo_environment(creds: dict[str, str], provider_name: str) -> dict[str, str]:
    """The ESIGN_* variables that point the CLI at a sandbox provider with its demo secret."""
    env = {"ESIGN_PROVIDER": provider_name, "ESIGN_BASE_URL": creds["base_url"]}
    if provider_name == "indexhealth":
        env.update(
            ESIGN_CLIENT_ID=creds["client_id"],
            ESIGN_CLIENT_SECRET=creds["client_secret"],
            ESIGN_USER_EMAIL=creds["user_email"],
            ESIGN_USER_FIRST_NAME=creds["user_first_name"],
            ESIGN_USER_LAST_NAME=creds["user_last_name"],
            ESIGN_GROUP_NAME=creds["group_name"],
        )
    else:
        env["ESIGN_API_KEY"] = creds["api_key"]
    return env


def export_line(env: dict[str, str]) -> str:
    return "export " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())


def write_sample(directory: Path | None = None) -> Path:
    """The bundled sample contract, written to `directory` (default: a new temporary one)."""
    from esign.sandbox.pdf import sample_contract

    where = directory or Path(tempfile.mkdtemp(prefix="esign-sandbox-"))
    where.mkdir(parents=True, exist_ok=True)
    sample = where / "sample-contract.pdf"
    sample.write_bytes(sample_contract())
    return sample


def run_demo(app: AppContext, out_dir: str | None, provider_name: str = "okdokument") -> None:
    from esign.sandbox.server import start_in_thread

    target_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="esign-demo-"))
    sample = write_sample(target_dir)

    running = start_in_thread()
    try:
        creds = running.sandbox.credentials(running.url)[provider_name]
        settings = demo_environment(creds, provider_name)
        env = {**app.env, **settings, "ESIGN_SANDBOX_URL": running.url}
        flags = GlobalFlags(
            json=app.flags.json, output=app.flags.output, debug=app.flags.debug, quiet=True
        )
        demo = AppContext(
            flags=flags, env=env, streams=app.streams, sleep=app.sleep, catalog=app.catalog
        )
        say = _narrator(app)
        provider = provider_for(demo)
        say(f"Sandbox started at {running.url} ({provider.title} emulator, demo credentials).")
        served = running.sandbox.credentials(SERVE_ORIGIN)[provider_name]
        say(
            "Equivalent setup: run `esign sandbox serve` in another shell, then\n"
            f"  {export_line(demo_environment(served, provider_name))}\n"
        )
        try:
            if provider_name == "indexhealth":
                _store_steps(app, demo, provider, sample, target_dir, creds["collection_id"])
            else:
                _signing_steps(app, demo, provider, sample, target_dir, running.url)
        finally:
            demo.close()
    finally:
        running.stop()


def _add_second_signer(app: AppContext, provider: Provider, document_id: str) -> None:
    """A signer added after the request went out (ZapSign): the sandbox signs for both."""
    _narrator(app)(
        "\n$ esign signer add \"$DOC\" --name 'Second Signer' --email second@example.com"
    )
    opts = SignerOptions(name="Second Signer", email="second@example.com")
    _show(app, provider.add_signer(document_id, opts).model)


def _signing_steps(
    app: AppContext,
    demo: AppContext,
    provider: Provider,
    sample: Path,
    target_dir: Path,
    sandbox_url: str,
) -> None:
    """Create a request, sign it as the signer would, show it, download the signed PDF."""
    say = _narrator(app)
    signers: tuple[SignerSpec, ...] = ()
    signer_flag = ""
    if provider.name == "zapsign":
        signers = (SignerSpec("Demo Signer", "demo@example.com"),)
        signer_flag = " --signer 'Demo Signer <demo@example.com>'"
    say(
        f"$ DOC=$(esign request create {shlex.quote(str(sample))} --name 'Sample contract'"
        + signer_flag
        + " --jq .document_id)"
    )
    created = provider.create_request(
        CreateRequestOptions(file_path=str(sample), name="Sample contract.pdf", signers=signers)
    ).model
    assert isinstance(created, SignatureRequest)
    _show(app, created)
    document_id = created.document_id or ""
    if provider.name == "zapsign":
        _add_second_signer(app, provider, document_id)

    say('\n$ esign sandbox sign "$DOC"    # the signer presses Submit')
    signed = sandbox_admin.sign(
        demo, sandbox_url, document_id, action="sign", signer_name="Demo Signer"
    )
    if signed.get("state") != "signed":
        raise UnexpectedError(f"the sandbox left the document {signed.get('state')}")
    say(f"document is now {signed.get('state')}")

    say('\n$ esign doc info "$DOC"')
    info = provider.get_document(document_id).model
    assert isinstance(info, Document)
    _show(app, info)

    path = target_dir / "signed-contract.pdf"
    say(f'\n$ esign doc download "$DOC" -o {shlex.quote(str(path))}')
    result = provider.download(
        document_id,
        DownloadOptions(target=Target("file", path), force=True, progress=False),
        app.streams,
    )
    _show(app, result)
    say(f"\nDone: the signed PDF is {path}")


def _store_steps(
    app: AppContext,
    demo: AppContext,
    provider: Provider,
    sample: Path,
    target_dir: Path,
    collection: str,
) -> None:
    """IndexHealth stores documents (nothing is signed there): upload, info, presign,
    download."""
    say = _narrator(app)
    say(
        f"$ DOC=$(esign doc upload {shlex.quote(str(sample))} --collection {collection} "
        "--name 'Sample contract' --jq .id)"
    )
    uploaded = provider.upload_document(
        UploadOptions(file_path=str(sample), collection=collection, name="Sample contract")
    ).model
    assert isinstance(uploaded, Document)
    _show(app, uploaded)

    say('\n$ esign doc info "$DOC"')
    _show(app, provider.get_document(uploaded.id).model)

    say('\n$ esign doc presign "$DOC"    # a link valid for an hour, no credentials needed')
    _show(app, provider.presign(uploaded.id, FileChoice()).model)

    path = target_dir / "downloaded-contract.pdf"
    say(f'\n$ esign doc download "$DOC" -o {shlex.quote(str(path))}')
    result = provider.download(
        uploaded.id,
        DownloadOptions(target=Target("file", path), force=True, progress=False),
        app.streams,
    )
    _show(app, result)
    say(f"\nDone: the stored PDF is {path}")


def _narrator(app: AppContext) -> Callable[[str], None]:
    """Narration on stderr, line by line: each line is made safe for the terminal on its own,
    so the line breaks the narration means are kept."""

    def say(text: str) -> None:
        for line in text.split("\n"):
            app.output.info(line)

    return say


def _show(app: AppContext, model: Model) -> None:
    app.output.emit(Outcome(model))
