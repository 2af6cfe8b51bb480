"""IndexHealth's token endpoint (spec §2): client credentials, fingerprint and user for a bearer
token, in the envelope or in the Client Credentials page's older form."""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from esign.sandbox.indexhealth.base import IndexHealthBase

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Auth(IndexHealthBase):
    async def token(self, request: Request) -> Response:
        body = await self._json(request)
        missing = [
            k for k in ("client_id", "client_secret", "fingerprint", "user") if not body.get(k)
        ]
        if missing:
            return self.envelope(435, message=f"Missing required fields: {', '.join(missing)}")
        user = body["user"] if isinstance(body["user"], dict) else {}
        names = [k for k in ("first_name", "last_name") if not user.get(k)]
        if names:
            return self.envelope(435, message=f"Missing required user fields: {', '.join(names)}")
        if not any(user.get(k) for k in ("email", "date_of_birth", "uid", "eid")):
            return self.envelope(
                435, message="Missing required user fields: date_of_birth or email or uid"
            )
        if user.get("email") and not EMAIL.match(str(user["email"])):
            return self.envelope(436, message="1. Invalid email format in user.email")
        domain = user.get("group_name") or body.get("group_name")
        if not domain:
            return self.envelope(435, message="Missing required user fields: group_name")
        if self.store.clients.get(str(body["client_id"])) != body["client_secret"]:
            return self.envelope(403, message="UNAUTHORIZED")
        token = self.store.issue_token(user, str(domain))
        if self.store.legacy_token_answer:
            # The Client Credentials page's form: `status`, `auth_token`, no message (§4b).
            return JSONResponse({"status": 200, "data": {"auth_token": token}})
        return self.envelope(200, {"access_token": token})
