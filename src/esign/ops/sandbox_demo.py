"""`esign sandbox demo`: a first end-to-end job, no account needed.

It drives the same provider code as the real commands, against a sandbox started on a
background thread, and narrates each step as the command a user would type.
"""

from __future__ import annotations

import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from esign.core.config.flags import GlobalFlags
from esign.core.context import AppContext
from esign.core.errors import UnexpectedError
from esign.core.files.target import Target
from esign.core.models import Document, Model, Outcome, SignatureRequest
from esign.ops import sandbox_admin
from esign.ops.provider import provider_for
from esign.providers.options import (
    CreateRequestOptions,
    DownloadOptions,
    SignerOptions,
    SignerSpec,
)

if TYPE_CHECKING:
    from esign.providers.base import Provider

DEMO_PROVIDERS = ("okdokument", "zapsign")


def run_demo(app: AppContext, out_dir: str | None, provider_name: str = "okdokument") -> None:
    from esign.sandbox.pdf import sample_contract
    from esign.sandbox.server import start_in_thread

    target_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="esign-demo-"))
    target_dir.mkdir(parents=True, exist_ok=True)
    sample = target_dir / "sample-contract.pdf"
    sample.write_bytes(sample_contract())

    running = start_in_thread()
    try:
        creds = running.sandbox.credentials(running.url)[provider_name]
        env = {
            **app.env,
            "ESIGN_PROVIDER": provider_name,
            "ESIGN_BASE_URL": creds["base_url"],
            "ESIGN_API_KEY": creds["api_key"],
            "ESIGN_SANDBOX_URL": running.url,
        }
        flags = GlobalFlags(
            json=app.flags.json, output=app.flags.output, debug=app.flags.debug, quiet=True
        )
        demo = AppContext(
            flags=flags, env=env, streams=app.streams, sleep=app.sleep, catalog=app.catalog
        )
        say = app.output.info
        provider = provider_for(demo)
        say(f"Sandbox started at {running.url} ({provider.title} emulator, demo API key).")
        say(
            "Equivalent setup: esign sandbox serve, then\n"
            f"  export ESIGN_PROVIDER={provider_name} ESIGN_BASE_URL={creds['base_url']} "
            "ESIGN_API_KEY=<demo key printed by serve>\n"
        )
        signers: tuple[SignerSpec, ...] = ()
        signer_flag = ""
        if provider_name == "zapsign":
            signers = (SignerSpec("Demo Signer", "demo@example.com"),)
            signer_flag = " --signer 'Demo Signer <demo@example.com>'"
        try:
            say(
                f"$ esign request create {shlex.quote(str(sample))} --name 'Sample contract'"
                + signer_flag
            )
            created = provider.create_request(
                CreateRequestOptions(
                    file_path=str(sample), name="Sample contract.pdf", signers=signers
                )
            ).model
            assert isinstance(created, SignatureRequest)
            _show(app, created)
            document_id = created.document_id or ""
            if provider_name == "zapsign":
                _add_second_signer(app, provider, document_id)

            say(f"\n$ esign sandbox sign {document_id}    # the signer presses Submit")
            signed = sandbox_admin.sign(
                demo, running.url, document_id, action="sign", signer_name="Demo Signer"
            )
            if signed.get("state") != "signed":
                raise UnexpectedError(f"the sandbox left the document {signed.get('state')}")
            say(f"document is now {signed.get('state')}")

            say(f"\n$ esign doc info {document_id}")
            info = provider.get_document(document_id).model
            assert isinstance(info, Document)
            _show(app, info)

            path = target_dir / "signed-contract.pdf"
            say(f"\n$ esign doc download {document_id} -o {shlex.quote(str(path))}")
            result = provider.download(
                document_id,
                DownloadOptions(target=Target("file", path), force=True, progress=False),
                app.streams,
            )
            _show(app, result)
            say(f"\nDone: the signed PDF is {path}")
        finally:
            demo.close()
    finally:
        running.stop()


def _add_second_signer(app: AppContext, provider: Provider, document_id: str) -> None:
    """A signer added after the request went out (ZapSign): the sandbox signs for both."""
    app.output.info(
        f"\n$ esign signer add {document_id} --name 'Second Signer' --email second@example.com"
    )
    opts = SignerOptions(name="Second Signer", email="second@example.com")
    _show(app, provider.add_signer(document_id, opts).model)


def _show(app: AppContext, model: Model) -> None:
    app.output.emit(Outcome(model))
