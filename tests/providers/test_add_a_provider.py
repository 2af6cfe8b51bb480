"""ARCHITECTURE.md's "Add a provider", done as it says, twice: in the tree (one registry entry
for a package of its own) and from another package (an entry point in the `esign.providers`
group). Either way the provider is named in `esign --help` or `esign help providers`, completes
on TAB, and runs commands; what it does not offer is exit 2. The in-tree one records the
options each command hands it: that is also how flags -> options are checked without a
server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from esign.cli.completion import complete_provider
from esign.core.config.catalog import CredentialName
from esign.core.models import Document, DocumentFiles, Outcome, SignatureRequest
from esign.providers import builtin
from esign.providers.base import Provider
from esign.providers.options import CreateRequestOptions
from tests.conftest import Cli

RECEIVED: list[object] = []


class Notary(Provider):
    """The smallest provider there is: two operations, nothing on the network."""

    name = "notary"
    title = "Notary"
    default_base_url = "https://api.notary.example/v1"
    credential: ClassVar[CredentialName] = "api_key"

    def get_document(self, document_id: str) -> Outcome[Document]:
        return Outcome(
            Document(
                provider=self.name,
                id=document_id,
                name="Notarized",
                status="signed",
                provider_status="sealed",
                created_at=None,
                updated_at=None,
                signers=[],
                files=DocumentFiles(original=None, signed=None),
            )
        )

    def create_request(self, opts: CreateRequestOptions) -> Outcome[SignatureRequest]:
        RECEIVED.append(opts)
        return Outcome(
            SignatureRequest(provider=self.name, request_id="r1", document_id="d1", sign_url=None)
        )


@pytest.fixture
def notary(monkeypatch: pytest.MonkeyPatch) -> Cli:
    entry = ("Notary", "api_key", Notary.default_base_url, f"{__name__}:Notary")
    monkeypatch.setitem(builtin.BUILTIN_PROVIDERS, "notary", entry)
    RECEIVED.clear()
    return Cli({"ESIGN_PROVIDER": "notary", "ESIGN_API_KEY": "notary-key-0123456789"})


def test_a_provider_added_to_the_registry_is_everywhere(notary: Cli) -> None:
    assert "Notary" in notary("--help").stdout
    assert "notary" in complete_provider("no")
    assert "notary" in notary("help", "providers").stdout
    shown = notary("doc", "info", "abc", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["provider_status"] == "sealed"


def test_what_a_provider_does_not_offer_is_exit_2_naming_it(notary: Cli) -> None:
    result = notary("doc", "list")
    assert result.exit_code == 2
    assert "Notary" in result.stderr


def test_flags_become_the_options_a_provider_receives(notary: Cli, tmp_path: Path) -> None:
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    before = datetime.now(UTC)
    result = notary(
        "request",
        "create",
        str(pdf),
        "--signer",
        "Ana Díaz <ana@example.com>",
        "--signer",
        "Bo",
        "--expires-at",
        "7d",
        "--name",
        "Lease",
    )
    assert result.exit_code == 0, result.stderr
    (opts,) = RECEIVED
    assert isinstance(opts, CreateRequestOptions)
    assert [(s.name, s.email) for s in opts.signers] == [
        ("Ana Díaz", "ana@example.com"),
        ("Bo", None),
    ]
    assert opts.expires_at is not None
    assert timedelta(days=7) <= opts.expires_at - before < timedelta(days=7, minutes=1)
    assert (opts.file_path, opts.name) == (str(pdf), "Lease")


PLUGIN = """
from typing import ClassVar

from esign.core.models import Document, DocumentFiles, Outcome
from esign.providers.base import Provider

MARKER = __import__("pathlib").Path(__file__).with_name("imported")
MARKER.write_text("yes")


class Stamp(Provider):
    name = "stamp"
    title = "Stamp Co"
    default_base_url = "https://api.stamp.example"
    credential: ClassVar[str] = "api_key"

    def get_document(self, document_id):
        return Outcome(Document(provider="stamp", id=document_id, name="x", status="pending",
            provider_status="inked", created_at=None, updated_at=None, signers=[],
            files=DocumentFiles(original=None, signed=None)))
"""


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """An installed package declaring a provider the documented way: an entry point."""
    site = tmp_path / "site"
    package = site / "stamp_provider"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN)
    dist = site / "stamp_provider-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: stamp-provider\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[esign.providers]\nstamp = stamp_provider:Stamp\n")
    return site


def _esign(site: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
    return subprocess.run(
        [str(Path(sys.executable).with_name("esign")), *args],
        env={**base, "PYTHONPATH": str(site), **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def test_a_plugin_provider_is_found_through_its_entry_point(plugin_path: Path) -> None:
    marker = plugin_path / "stamp_provider" / "imported"
    helped = _esign(plugin_path, "--help")
    assert helped.returncode == 0
    assert not marker.exists()  # `esign --help` imports no plug-in
    listed = _esign(plugin_path, "help", "providers")
    assert "stamp         Stamp Co (plug-in stamp_provider:Stamp" in listed.stdout
    shown = _esign(plugin_path, "doc", "info", "x1", ESIGN_PROVIDER="stamp", ESIGN_API_KEY="k" * 20)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["provider_status"] == "inked"
    tab = _esign(
        plugin_path,
        _ESIGN_COMPLETE="complete_bash",
        COMP_WORDS="esign profile add p --provider st",
        COMP_CWORD="5",
    )
    assert "stamp" in tab.stdout


def test_a_plugin_cannot_take_a_built_in_name(plugin_path: Path) -> None:
    entry_points = plugin_path / "stamp_provider-1.0.dist-info" / "entry_points.txt"
    entry_points.write_text("[esign.providers]\nzapsign = stamp_provider:Stamp\n")
    listed = _esign(plugin_path, "help", "providers")
    assert "plug-in" not in listed.stdout
    assert "zapsign       ZapSign (built in" in listed.stdout
