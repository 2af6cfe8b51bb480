"""`--json FIELDS` and `--jq EXPR`: what of the JSON output is printed, and how.

Fields are chosen first (gh's `--json a,b`), then the jq expression runs on what is left. jq
comes from the `jq` package (libjq's own bindings), imported only when `--jq` is given:
every other command starts without it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from esign.core.errors import EsignError, UsageError

JQ_MANUAL = "https://jqlang.github.io/jq/manual/"


def parse_fields(spec: str | None) -> tuple[str, ...] | None:
    if spec is None:
        return None
    fields = tuple(name.strip() for name in spec.split(",") if name.strip())
    if not fields:
        raise UsageError("--json= names no field", hint="e.g. --json id,status")
    return fields


def select_fields(data: Any, fields: tuple[str, ...]) -> Any:
    """The named top-level fields of an object (of each object, in a list), in that order."""
    if isinstance(data, list):
        return [select_fields(item, fields) for item in data]
    if not isinstance(data, dict):
        raise UsageError("--json FIELDS selects fields of an object; this output has none")
    unknown = [name for name in fields if name not in data]
    if unknown:
        raise UsageError(
            f"unknown JSON field{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(repr(name) for name in unknown)}",
            hint=f"this output has: {', '.join(data)}",
        )
    return {name: data[name] for name in fields}


@lru_cache(maxsize=4)
def compile_jq(expression: str) -> Any:
    try:
        import jq
    except ImportError:  # pragma: no cover - a dependency of esign
        raise UsageError("--jq needs the jq package", hint="pip install jq") from None
    try:
        return jq.compile(expression)
    except ValueError as exc:
        raise UsageError(f"invalid --jq expression: {_one_line(exc)}", hint=JQ_MANUAL) from None


# How much of a result a failed --jq quotes in its error (a create's answer fits whole).
UNFILTERED_SHOWN = 2000


def run_jq(expression: str, data: Any) -> list[Any]:
    """Every result of the expression on `data`, in order (none, one or several)."""
    program = compile_jq(expression)
    try:
        results: list[Any] = program.input_value(data).all()
    except ValueError as exc:
        # The expression compiled (checked before anything was sent), so the command has run:
        # a create has created. Not a usage error, and the result is not lost with it.
        unfiltered = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        if len(unfiltered) > UNFILTERED_SHOWN:  # one error line, not a list of thousands
            unfiltered = unfiltered[:UNFILTERED_SHOWN] + f"… ({len(unfiltered)} characters)"
        raise JqFailedError(
            f"--jq {expression!r} failed on the result: {_one_line(exc)}",
            hint=f"the command itself ran; its result without --jq: {unfiltered}",
        ) from None
    return results


class JqFailedError(EsignError):
    """A jq expression that failed on the result of a command that has run (exit 1)."""

    error_type = "jq_failed"


def _one_line(exc: Exception) -> str:
    """jq's message, which spans lines (the expression, a caret), as one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    kept = [line for line in lines if line.startswith("jq:")] or lines
    return "; ".join(line.removeprefix("jq: ").removeprefix("error: ").rstrip(":") for line in kept)
