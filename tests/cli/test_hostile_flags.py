"""Hostile input from the user's side: odd numbers, endless files, wrong encodings. Each is one
error line with exit 2 naming what to fix, never "unexpected failure"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, SandboxAdmin


def one_usage_line(result: object, *needles: str) -> None:
    code, stderr = result.exit_code, result.stderr  # type: ignore[attr-defined]
    assert code == 2, stderr
    lines = stderr.splitlines()
    assert len([line for line in lines if line.strip()]) <= 3, stderr  # click's usage + error
    assert "unexpected" not in stderr and "Traceback" not in stderr
    for needle in needles:
        assert needle in stderr, stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e309", "NaN"])
def test_timeout_flag_that_is_not_a_finite_number_is_a_usage_error(
    cli: Cli, sandbox: SandboxAdmin, value: str
) -> None:
    sandbox.clear_requests()
    one_usage_line(cli("--timeout", value, "doc", "list"), "--timeout")
    one_usage_line(cli("doc", "list", "--timeout", value), "--timeout")
    assert sandbox.requests() == []


@pytest.mark.parametrize("value", ["nan", "inf", "1e309", "0", "-5", "1e300", "soon"])
def test_esign_timeout_out_of_bounds_is_a_usage_error_naming_it(cli: Cli, value: str) -> None:
    one_usage_line(cli("doc", "list", env={"ESIGN_TIMEOUT": value}), "ESIGN_TIMEOUT")


@pytest.mark.parametrize("value", ["21", "1000000", "0", "x"])
def test_esign_max_attempts_is_capped_like_the_flag(cli: Cli, value: str) -> None:
    one_usage_line(cli("doc", "list", env={"ESIGN_MAX_ATTEMPTS": value}), "ESIGN_MAX_ATTEMPTS")
    assert cli("doc", "list", env={"ESIGN_MAX_ATTEMPTS": "20"}).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["doc", "wait", "x", "--wait-timeout", "9" * 400],
        ["doc", "wait", "x", "--interval", "99999999999w"],
        ["doc", "download", "x", "--wait", "--wait-timeout", "9" * 30 + "d"],
        ["request", "create", "{contract}", "--expires-at", "99999999999d"],
    ],
    ids=["400-digit timeout", "huge interval", "huge download wait", "huge expiry"],
)
def test_huge_durations_are_usage_errors(
    cli: Cli, sandbox: SandboxAdmin, contract: Path, args: list[str]
) -> None:
    sandbox.clear_requests()
    result = cli(*(a.format(contract=contract) for a in args))
    one_usage_line(result, "too long")
    assert sandbox.requests() == []


def test_from_file_that_is_not_utf8_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"abc\n\xff\xfe\x00garbage\n")
    one_usage_line(cli("doc", "download", "--from", str(ids), "-o", f"{tmp_path}/"), "UTF-8")


def test_from_file_with_a_bom_reads_the_first_id_without_it(
    cli: Cli, contract: Path, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    first = cli("doc", "upload", str(contract), "--name", "one.pdf").json()["id"]
    second = cli("doc", "upload", str(contract), "--name", "two.pdf").json()["id"]
    ids = tmp_path / "ids.txt"
    ids.write_bytes(b"\xef\xbb\xbf" + f"{first}\r\n{second}\r\n".encode())
    out = tmp_path / "out"
    out.mkdir()
    result = cli("doc", "download", "--from", str(ids), "-o", f"{out}/", "--any-state")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["one.pdf", "two.pdf"]


def test_from_an_endless_file_is_refused_at_its_documented_size(
    cli: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    sandbox.clear_requests()
    result = cli("doc", "download", "--from", "/dev/zero", "-o", f"{tmp_path}/")
    one_usage_line(result, "larger than 8 MiB")
    assert sandbox.requests() == []


def test_from_stdin_over_the_size_cap_is_refused(cli: Cli, tmp_path: Path) -> None:
    result = cli("doc", "download", "--from", "-", "-o", f"{tmp_path}/", input="a\n" * (5 << 20))
    one_usage_line(result, "larger than 8 MiB")
