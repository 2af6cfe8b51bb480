"""Text from providers made harmless on a terminal (ARCHITECTURE.md §4: a provider's words
are data).

A document name or an error message may carry escape sequences: OSC 52 writes the clipboard,
`ESC[2J` clears the screen, `ESC]8;;` makes a fake link, a bare CR overwrites what the line
said. Every string printed for a human (tables, the stderr `error:` line, hints and progress
notes) goes through `for_terminal`, which shows each control character as a visible escape
instead of sending it. JSON output needs nothing: `json.dumps` escapes them itself.
"""

from __future__ import annotations

import re

# C0 controls, DEL and the C1 controls (U+0080-U+009F: 0x9B is a one-byte CSI on terminals
# that honour it), the Unicode line and paragraph separators, and the bidirectional
# overrides and isolates that reorder what a line appears to say ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """`text` as one line with every control character shown, never interpreted: an escape
    sequence prints as `\\x1b[2J`, a line break as `\\x0a`."""
    return _CONTROL.sub(_visible, text)


def for_terminal_lines(text: str) -> str:
    """As `for_terminal`, keeping line breaks and tabs: text meant to span lines (a jq
    result, a provider's plain-text answer)."""
    return "\n".join(
        "\t".join(for_terminal(cell) for cell in line.split("\t")) for line in text.split("\n")
    )


# What json.dumps(ensure_ascii=False) leaves raw: DEL, the C1 controls and the reordering
# marks. Inside a JSON string their \u escapes mean the same characters.
_JSON_RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_for_terminal(text: str) -> str:
    """JSON text with every control character escaped (json.dumps escapes only C0)."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
