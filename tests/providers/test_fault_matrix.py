"""Every command of every provider against every fault kind the sandbox injects.

Each cell: the documented exit code, one clear error line on stderr, no traceback, no partial
or stray file, attempts bounded by --max-attempts, a create executed at most once, and under
--debug the retries visible (and absent where a request is not safe to repeat). The summary
table (commands x faults) is printed at the end of the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from esign.sandbox.pdf import sample_contract
from tests.conftest import Cli, SandboxAdmin, ih_settings

MAX_ATTEMPTS = 2
RESULTS: dict[str, dict[str, str]] = {}

HTML_PAGE = "<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"


@dataclass(frozen=True)
class Fault:
    name: str
    rule: dict[str, Any]
    exit_code: int
    retryable: bool  # an idempotent request is retried after it


FAULTS = [
    Fault("500", {"kind": "status", "status": 500}, 1, False),
    Fault("502", {"kind": "status", "status": 502}, 1, True),
    Fault("503", {"kind": "status", "status": 503, "retry_after": "1"}, 1, True),
    Fault("504", {"kind": "status", "status": 504}, 1, True),
    Fault("429+RA", {"kind": "status", "status": 429, "retry_after": "2"}, 7, True),
    Fault("429", {"kind": "status", "status": 429}, 7, True),
    Fault("latency", {"kind": "latency", "delay": 0.05}, 0, False),
    Fault("reset", {"kind": "reset"}, 1, True),
    Fault("reset-mid", {"kind": "reset_after"}, 1, True),
    Fault("truncated", {"kind": "truncate"}, 1, True),
    Fault("stall", {"kind": "stall", "delay": 1.0}, 1, True),
    Fault("bad-json", {"kind": "status", "status": 200, "body": "{not json"}, 1, False),
    Fault(
        "html-200",
        {"kind": "status", "status": 200, "body": HTML_PAGE, "content_type": "text/html"},
        1,
        False,
    ),
    Fault(
        "html-502",
        {"kind": "status", "status": 502, "body": HTML_PAGE, "content_type": "text/html"},
        1,
        True,
    ),
]

# Which path the faults hit: all of a provider's API (IndexHealth: not its token endpoint, so
# that the document endpoints themselves meet every fault).
FAULT_PATHS = {
    "okdokument": "^/okdokument/",
    "zapsign": "^/zapsign/",
    "indexhealth": "^/indexhealth/(?!generate-client-auth-token)",
}


@dataclass
class World:
    sandbox: SandboxAdmin
    clis: dict[str, Cli]
    pdf: Path
    out: Path


Setup = Callable[[World], list[str]]


def _okd_request(w: World) -> dict[str, Any]:
    return dict(w.clis["okdokument"]("request", "create", str(w.pdf)).json())


def _okd_doc(w: World) -> str:
    return str(w.clis["okdokument"]("doc", "upload", str(w.pdf)).json()["id"])


def _okd_signed_doc(w: World) -> str:
    # Only a signed document is downloaded without --any-state (a metadata call first).
    document_id = str(_okd_request(w)["document_id"])
    w.sandbox.sign(document_id)
    return document_id


def _zs_doc(w: World, signed: bool = False) -> str:
    token = str(
        w.clis["zapsign"]("request", "create", str(w.pdf), "--signer", "A").json()["document_id"]
    )
    if signed:
        w.sandbox.sign(token)
    return token


def _ih_doc(w: World) -> str:
    return str(
        w.clis["indexhealth"]("doc", "upload", str(w.pdf), "--collection", "col-demo").json()["id"]
    )


# (provider, command name, idempotent, is_create, setup returning the CLI arguments)
COMMANDS: list[tuple[str, str, bool, bool, Setup]] = [
    ("okdokument", "request create", False, True, lambda w: ["request", "create", str(w.pdf)]),
    (
        "okdokument",
        "request update",
        True,
        False,
        lambda w: [
            "request",
            "update",
            _okd_request(w)["request_id"],
            "--redirect-url",
            "https://x.example/",
        ],
    ),
    (
        "okdokument",
        "request delete",
        True,
        False,
        lambda w: ["request", "delete", _okd_request(w)["request_id"], "--yes"],
    ),
    ("okdokument", "doc upload", False, True, lambda w: ["doc", "upload", str(w.pdf)]),
    ("okdokument", "doc info", True, False, lambda w: ["doc", "info", _okd_doc(w)]),
    ("okdokument", "doc list", True, False, lambda w: ["doc", "list"]),
    (
        "okdokument",
        "doc download",
        True,
        False,
        lambda w: ["doc", "download", _okd_signed_doc(w), "-o", f"{w.out}/"],
    ),
    ("okdokument", "doc delete", True, False, lambda w: ["doc", "delete", _okd_doc(w), "--yes"]),
    (
        "zapsign",
        "request create",
        False,
        True,
        lambda w: ["request", "create", str(w.pdf), "--signer", "A"],
    ),
    (
        "zapsign",
        "request update",
        True,
        False,
        lambda w: ["request", "update", _zs_doc(w), "--name", "N"],
    ),
    (
        "zapsign",
        "request delete",
        True,
        False,
        lambda w: ["request", "delete", _zs_doc(w), "--yes"],
    ),
    ("zapsign", "doc info", True, False, lambda w: ["doc", "info", _zs_doc(w)]),
    ("zapsign", "doc list", True, False, lambda w: ["doc", "list"]),
    (
        "zapsign",
        "doc download",
        True,
        False,
        lambda w: ["doc", "download", _zs_doc(w, signed=True), "-o", f"{w.out}/"],
    ),
    ("zapsign", "doc presign", True, False, lambda w: ["doc", "presign", _zs_doc(w), "--original"]),
    ("zapsign", "doc update", True, False, lambda w: ["doc", "update", _zs_doc(w), "--name", "N"]),
    (
        "indexhealth",
        "doc upload",
        False,
        True,
        lambda w: ["doc", "upload", str(w.pdf), "--collection", "col-demo"],
    ),
    ("indexhealth", "doc info", True, False, lambda w: ["doc", "info", _ih_doc(w)]),
    ("indexhealth", "doc list", True, False, lambda w: ["doc", "list", "--collection", "col-demo"]),
    (
        "indexhealth",
        "doc update",
        True,
        False,
        lambda w: ["doc", "update", _ih_doc(w), "--name", "N"],
    ),
    ("indexhealth", "doc delete", True, False, lambda w: ["doc", "delete", _ih_doc(w), "--yes"]),
    (
        "indexhealth",
        "doc download",
        True,
        False,
        lambda w: ["doc", "download", _ih_doc(w), "-o", f"{w.out}/"],
    ),
    ("indexhealth", "doc presign", True, False, lambda w: ["doc", "presign", _ih_doc(w)]),
]


@pytest.fixture
def world(
    sandbox: SandboxAdmin, okd_env: dict[str, str], zs_env: dict[str, str], tmp_path: Path
) -> World:
    ih_env = ih_settings(sandbox)
    pdf = tmp_path / "in" / "contract.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(sample_contract("Fault matrix"))
    out = tmp_path / "out"
    out.mkdir()
    clis = {"okdokument": Cli(okd_env), "zapsign": Cli(zs_env), "indexhealth": Cli(ih_env)}
    return World(sandbox, clis, pdf, out)


def _creates(sandbox: SandboxAdmin) -> int:
    return sum(1 for e in sandbox.journal() if e["operation"].startswith("create"))


def _attempts(sandbox: SandboxAdmin, path_regex: str) -> int:
    import re

    return sum(1 for r in sandbox.requests() if re.search(path_regex, r["raw_path"]))


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
@pytest.mark.parametrize(
    "command", COMMANDS, ids=[f"{c[0]}-{c[1].replace(' ', '-')}" for c in COMMANDS]
)
def test_cell(world: World, command: tuple[str, str, bool, bool, Setup], fault: Fault) -> None:
    provider, name, idempotent, is_create, setup = command
    row = f"{provider} {name}"
    RESULTS.setdefault(row, {})[fault.name] = "FAIL"
    sandbox = world.sandbox
    cli = world.clis[provider]
    path = FAULT_PATHS[provider]
    timeout = ["--timeout", "0.3"] if fault.name == "stall" else []

    for debug in (False, True):
        for leftover in world.out.iterdir():  # a successful first run's file
            leftover.unlink()
        args = setup(world)  # fresh fixtures for each run, made while no fault is set
        sandbox.faults({**fault.rule, "path": path, "count": None})
        sandbox.clear_requests()
        creates_before = _creates(sandbox)
        flags = ["--max-attempts", str(MAX_ATTEMPTS), *timeout, *(["--debug"] if debug else [])]
        result = cli(*args, *flags)
        sandbox.clear_faults()

        assert result.exit_code == fault.exit_code, (debug, result.stderr[-800:])
        lines = result.stderr.strip().splitlines()
        if not debug:
            assert "Traceback" not in result.stderr
            if fault.exit_code:
                assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert not list(world.out.rglob("*.part"))
        if fault.exit_code and name == "doc download":
            assert list(world.out.iterdir()) == []  # nothing, not even a partial file
        if is_create:
            assert _creates(sandbox) - creates_before <= 1  # never a second billable create
        attempts = _attempts(sandbox, path)
        assert attempts <= MAX_ATTEMPTS * 2, attempts  # bounded (a download: detail + file)
        if debug:
            retried = result.stderr.count("retrying in")
            if fault.retryable and idempotent:
                assert retried >= 1, result.stderr[-1500:]  # visible under --debug
                assert retried <= MAX_ATTEMPTS - 1 + (1 if name == "doc download" else 0)
            if not idempotent:
                assert retried == 0, result.stderr[-1500:]  # a create is never re-sent
    RESULTS[row][fault.name] = "pass"
