"""ZapSign templates (Listar modelos, spec §10): DOCX models, 20 per page. A document is
created from one by `request create --template` (requests.py, Criar documento via modelo)."""

from __future__ import annotations

from typing import Any

from esign.core.models import Outcome, Template, TemplateList
from esign.providers.options import TemplateListOptions
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient


class Templates(ZapSignClient):
    def list_templates(self, opts: TemplateListOptions) -> Outcome[TemplateList]:
        templates: list[Template] = []
        raw: list[Any] = []
        notes: list[str] = []
        page = 1
        seen_next: set[str] = set()
        while True:
            data, _ = self._call("GET", self._url("templates"), params={"page": str(page)})
            items, next_page = wire.page(data, "template list")
            raw.extend(items)
            templates.extend(wire.to_template(item) for item in items if isinstance(item, dict))
            if opts.limit is not None and len(templates) >= opts.limit:
                templates, raw = templates[: opts.limit], raw[: opts.limit]
                break
            # As the document list: an empty page or a `next` seen before ends it.
            if not next_page or not items or next_page in seen_next:
                break
            seen_next.add(next_page)
            if not (opts.all_pages or opts.limit is not None):
                notes.append(
                    f"showing the first {len(templates)} templates; use --all for every "
                    "page, or --limit N"
                )
                break
            page += 1
        return Outcome(TemplateList(templates=templates), raw=raw, notes=notes)
