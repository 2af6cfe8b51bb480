"""A ZapSign document's activity history (spec §7.7, Histórico de atividades): what the
emulator did to a document, recorded as it happens (`ZDoc.record`), answered as the
documented JSON list or as a PDF report (`download_pdf=true`).

`time` is written as the sample writes it ("2024-11-27 17:44:32.117577+00:00": a space, not
ISO's T) and the answer is newest first: the docs promise no order, and their sample is not
sorted. Labels and descriptions are Portuguese, as in the sample; "Documento criado" and
"Documento visualizado" are the sample's, the others the emulator's own wording.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.pdf import make_pdf
from esign.sandbox.zapsign.base import err, not_found
from esign.sandbox.zapsign.lifecycle import Lifecycle

REPORT_LINES = 40  # what fits the one page of the emulator's report


class History(Lifecycle):
    async def signer_log(self, request: Request) -> Response:
        owner = self._owner(request)
        doc = self.store.docs.get(request.path_params["token"])
        if doc is None:
            return not_found()
        if doc.owner != owner:
            # "the token sent has no permission to see this document's data" (401); no body
            # is documented.
            return err(401, detail="Você não tem permissão para visualizar este documento.")
        events = list(reversed(doc.log))
        if request.query_params.get("download_pdf", "").lower() == "true":
            lines = [f"Histórico de atividades: {doc.name}", ""]
            lines += [f"{e['time'][:19]}  {e['event']}: {e['description']}" for e in events]
            return Response(make_pdf(lines[:REPORT_LINES]), media_type="application/pdf")
        return JSONResponse(events)
