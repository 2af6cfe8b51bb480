"""Every model a command can print has a view of its own on a terminal (no model falls back to
its raw fields by accident), and a model without one is shown as fields, never as JSON."""

from __future__ import annotations

import inspect
import io

from rich.console import Console

from esign.core import models
from esign.core.models import Model
from esign.core.output.views import render

# Parts of a document, shown inside its view, never printed alone.
PARTS = {models.Signer, models.DocumentFiles, models.Attachment}


def test_every_printable_model_has_its_own_view() -> None:
    printable = {
        cls
        for _, cls in inspect.getmembers(models, inspect.isclass)
        if issubclass(cls, Model) and cls is not Model and cls not in PARTS
    }
    missing = sorted(
        cls.__name__ for cls in printable if render.dispatch(cls) is render.dispatch(object)
    )
    assert missing == []


def test_a_model_without_a_view_is_shown_as_fields_not_json() -> None:
    from dataclasses import dataclass

    @dataclass
    class Unviewed(Model):
        name: str
        count: int

    out = io.StringIO()
    render(Unviewed(name="x", count=3), Console(file=out, force_terminal=False, width=80))
    text = out.getvalue()
    assert "Unviewed" in text and "count" in text and "3" in text
    assert "{" not in text


def _shown(model: Model, width: int) -> str:
    out = io.StringIO()
    render(model, Console(file=out, force_terminal=False, width=width))
    return out.getvalue()


def test_template_and_signer_lists_never_break_a_value_to_fit_80_columns() -> None:
    token = "802d1b80-cd37-a7eb-b819-a4d7252b5a13"  # ZapSign's 36-character tokens
    when = "2026-12-01T03:13:33Z"
    templates = models.TemplateList(
        [
            models.Template(
                "zapsign",
                token,
                "Contrato de prestação de serviços",
                "docx",
                True,
                "pt-br",
                updated_at=when,
            )
        ]
    )
    signers = models.SignerList(
        "doc-1",
        [
            models.Signer(
                token, "Ana Maria de Souza", "ana.maria.souza@example-company.com", "signed", when
            )
        ],
    )
    for model in (templates, signers):
        for width in (80, 130):
            text = _shown(model, width)
            assert all(len(line.rstrip()) <= width for line in text.splitlines()), text
            for value in (token, when):
                assert value in text, (width, text)  # whole, on one line
        assert "Contrato de prestação de serviços" in _shown(templates, 80)  # blocks at 80
