"""What a hostile provider answers is data: escape sequences are shown, never obeyed; secrets
are masked before anything is cut short; a promised PDF that is not one is never saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.hostile import HostileServer, Reply, json_reply, pdf_reply

KEY = "5a4d0c1e_" + "0123456789abcdef" * 4
# What a terminal would obey: a clipboard write (OSC 52), a screen clear, a fake link, a
# cursor jump through a C1 CSI, a carriage return that overwrites the line.
ESCAPES = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[2J\x1b]8;;http://evil\x1b\\x\u009b1;1H\rfake"
RAW_CONTROLS = ("\x1b", "\x07", "\u009b", "\r")


def okd(hostile: HostileServer) -> Cli:
    return Cli(
        {
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": f"{hostile.url}/JSON",
            "ESIGN_API_KEY": KEY,
            "NO_COLOR": "1",  # no styling: any ESC left in the output came from the server
        }
    )


def metadata(name: str, state: str = "tosign") -> str:
    return json.dumps({"id": "doc1", "filename": name, "state": state, "date": 1700000000000})


def test_escape_sequences_in_a_document_name_are_shown_not_sent_to_the_terminal(
    hostile: HostileServer,
) -> None:
    hostile.route("GET", "/document/metadata/", json_reply(metadata(f"contract{ESCAPES}.pdf")))
    result = okd(hostile)("doc", "info", "doc1", tty=True)
    assert result.exit_code == 0, result.stderr
    assert not any(ch in result.stdout for ch in RAW_CONTROLS)
    assert "contract\\x1b]52;c;ZWNobyBwd25lZA==\\x07" in result.stdout  # visible, inert


def test_escape_sequences_in_a_list_table_are_shown_not_sent(hostile: HostileServer) -> None:
    rows = [json.loads(metadata(f"n{ESCAPES}", state=f"tosign{ESCAPES}"))]
    hostile.route("GET", "/list/flat", json_reply(json.dumps(rows)))
    result = okd(hostile)("doc", "list", tty=True)
    assert result.exit_code == 0, result.stderr
    assert not any(ch in result.stdout for ch in RAW_CONTROLS)


def test_escape_sequences_in_a_provider_error_never_reach_the_error_line(
    hostile: HostileServer,
) -> None:
    body = json.dumps({"message": f"err.document.not.exist{ESCAPES}", "value": f"x{ESCAPES}"})
    hostile.route("GET", "/document/metadata/", json_reply(body, 400))
    result = okd(hostile)("doc", "info", "doc1")
    assert result.exit_code != 0
    [line] = result.stderr.splitlines()  # one line: a CR or LF from the provider cannot add one
    assert line.startswith("error: ")
    assert not any(ch in result.stderr for ch in RAW_CONTROLS)
    assert "\\x1b[2J" in line


def test_escape_sequences_in_a_json_error_are_escaped_by_json(hostile: HostileServer) -> None:
    body = json.dumps({"message": f"boom{ESCAPES}"})
    hostile.route("GET", "/document/metadata/", json_reply(body, 400))
    result = okd(hostile)("doc", "info", "doc1", "--json")
    assert "\x1b" not in result.stderr
    error = json.loads(result.stderr.splitlines()[-1])["error"]
    assert ESCAPES in error["provider_message"]  # data kept exactly, escaped by JSON


def test_json_output_escapes_c1_controls_that_json_dumps_leaves_raw(
    hostile: HostileServer,
) -> None:
    name = f"contract{ESCAPES}\u202egnp.pdf"
    hostile.route("GET", "/document/metadata/", json_reply(metadata(name)))
    result = okd(hostile)("doc", "info", "doc1", "--json", tty=True)
    assert result.exit_code == 0, result.stderr
    assert not any(ch in result.stdout for ch in (*RAW_CONTROLS, "\u202e"))
    assert json.loads(result.stdout)["name"] == name  # the same data, escaped


# -- promised PDFs --------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"%", b"%PD", b"%PDF"], ids=["empty", "1", "3", "4"])
@pytest.mark.parametrize("where", ["file", "stdout"])
def test_a_body_too_short_to_be_a_pdf_is_refused_and_nothing_is_written(
    hostile: HostileServer, tmp_path: Path, body: bytes, where: str
) -> None:
    hostile.route("GET", "/JSON/document/doc1$", pdf_reply(body))
    target = tmp_path / "d.pdf"
    result = okd(hostile)("doc", "download", "doc1", "-o", str(target) if where == "file" else "-")
    assert result.exit_code == 1, result.stderr
    assert "not a PDF" in result.stderr
    assert result.stdout_bytes == b""
    assert list(tmp_path.iterdir()) == []


# -- secrets cut in half ------------------------------------------------------------------


def zs(hostile: HostileServer) -> Cli:
    return Cli(
        {
            "ESIGN_PROVIDER": "zapsign",
            "ESIGN_BASE_URL": f"{hostile.url}/api/v1",
            "ESIGN_API_KEY": KEY,
        }
    )


def leaked(text: str) -> bool:
    """Any 12 characters of the key in a row: a prefix is as good as a leak."""
    return any(KEY[i : i + 12] in text for i in range(len(KEY) - 11))


def test_a_secret_straddling_the_300_character_cut_is_masked_before_the_cut(
    hostile: HostileServer,
) -> None:
    detail = "x" * 270 + " invalid key: " + KEY + " (see the docs)"
    hostile.route("GET", "/api/v1/docs/", json_reply(json.dumps({"detail": detail}), 400))
    result = zs(hostile)("doc", "info", "doc1", "--json")
    assert result.exit_code == 6, result.stderr
    assert not leaked(result.stderr), result.stderr
    assert "[REDACTED]" in result.stderr


def test_a_secret_straddling_the_200_character_cut_of_a_text_answer_is_masked(
    hostile: HostileServer,
) -> None:
    page = "<html><body>" + "y" * 170 + " key " + KEY + "</body></html>"
    hostile.route(
        "GET", "/document/metadata/", Reply(400, [("Content-Type", "text/html")], page.encode())
    )
    result = okd(hostile)("doc", "info", "doc1", "--json")
    assert result.exit_code != 0
    assert not leaked(result.stderr), result.stderr


def test_debug_trace_masks_a_secret_before_shortening_a_long_string(
    hostile: HostileServer,
) -> None:
    body = json.loads(metadata("x.pdf"))
    body["note"] = KEY + " " + "z" * 300  # a long string: the trace shows its first 40 chars
    hostile.route("GET", "/document/metadata/", json_reply(json.dumps(body)))
    result = okd(hostile)("doc", "info", "doc1", "--debug")
    assert result.exit_code == 0, result.stderr
    assert "< {" in result.stderr  # the body was traced
    assert not leaked(result.stderr), result.stderr
