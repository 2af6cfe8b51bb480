"""ZapSign's plan (spec §10, Informações do plano): the demo account's plan and the credits
it has left (each document and extra document spends one); an account without a plan is the
documented plain-text 404."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from esign.sandbox.zapsign.base import ZapSignBase


class Plan(ZapSignBase):
    async def info_plan(self, request: Request) -> Response:
        owner = self._owner(request)
        account = self.store.accounts[owner]
        if account.kind == "no_plan":
            return PlainTextResponse("Unable to find information about this plan", status_code=404)
        today = datetime.now(UTC).date()
        period_end = date(today.year, today.month, 28) + timedelta(days=4)
        period_end -= timedelta(days=period_end.day)  # the month's last day
        return JSONResponse(
            {
                "name": "Sandbox API",
                # A string, as in the documented sample ("100").
                "number_of_credits": str(max(account.credits, 0)),
                "status": "paid",
                "period": "monthly",
                # The sample shows the form "dd-mm-yyyy".
                "current_period_end": period_end.strftime("%d-%m-%Y"),
            }
        )
