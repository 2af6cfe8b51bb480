"""ZapSign's plan (Informações do plano, spec §10): its name, credits, payment status and
period. An account without a plan is a 404 in plain text."""

from __future__ import annotations

from esign.core.errors import MalformedResponseError, NotFoundError
from esign.core.models import Account, Outcome
from esign.providers.zapsign import wire
from esign.providers.zapsign.client import ZapSignClient


class AccountInfo(ZapSignClient):
    def account(self) -> Outcome[Account]:
        try:
            data, _ = self._call("GET", self._url("info-plan"))
        except NotFoundError as err:
            # "Unable to find information about this plan": the account has no plan.
            said = err.provider_message or "not found"
            err.message = f"ZapSign has no plan information for this account (404): {said}"
            err.hint = "a sandbox account or one without an API plan has none"
            raise
        if not isinstance(data, dict):
            raise MalformedResponseError("ZapSign's plan information is not an object")
        return Outcome(wire.to_account(data), raw=data)
