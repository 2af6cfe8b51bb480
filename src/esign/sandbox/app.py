"""The sandbox ASGI app: one emulator per provider under its prefix, plus `/_sandbox` admin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router

from esign.sandbox.admin_guard import AdminGuard
from esign.sandbox.faults import (
    ASGIApp,
    FaultInjector,
    FaultMiddleware,
    Message,
    Receive,
    Scope,
    Send,
    parse_rules,
)
from esign.sandbox.indexhealth import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_COLLECTION,
    DEMO_USER,
    IndexHealthApi,
    IndexHealthStore,
)
from esign.sandbox.indexhealth import PREFIX as INDEXHEALTH_PREFIX
from esign.sandbox.limits import Limit, parse_limit
from esign.sandbox.okdokument import (
    DEMO_API_KEY,
    FORBIDDEN_API_KEY,
    OKdokumentApi,
    OKdokumentStore,
)
from esign.sandbox.okdokument import PREFIX as OKDOKUMENT_PREFIX
from esign.sandbox.okdokument.signing import EVENTS as OKDOKUMENT_EVENTS
from esign.sandbox.state import SharedState, Traffic
from esign.sandbox.zapsign import (
    DEMO_API_TOKEN,
    NO_PLAN_API_TOKEN,
    OTHER_ENV_API_TOKEN,
    ZapSignApi,
    ZapSignStore,
)
from esign.sandbox.zapsign import PREFIX as ZAPSIGN_PREFIX
from esign.sandbox.zapsign.events import EVENTS as ZAPSIGN_EVENTS
from esign.sandbox.zapsign.store import DOCUMENTED_LIMIT, Webhook


@dataclass
class Sandbox:
    """Everything the emulator knows; one per server."""

    seed: int = 0
    # Required on every admin request when set (esign.sandbox.admin_guard): non-loopback binds.
    admin_token: str | None = None
    # ZapSign's per-token limit (`sandbox serve --rate`): its documented 500/m unless given.
    zapsign_rate: Limit | None = DOCUMENTED_LIMIT
    # `esign sandbox serve --webhook-url`: a receiver for every provider's events from the start.
    webhook_url: str | None = None
    shared: SharedState = field(default_factory=SharedState)
    faults: FaultInjector = field(init=False)
    okdokument: OKdokumentApi = field(init=False)
    zapsign: ZapSignApi = field(init=False)
    indexhealth: IndexHealthApi = field(init=False)

    def __post_init__(self) -> None:
        self.faults = FaultInjector(self.seed)
        self.okdokument = OKdokumentApi(OKdokumentStore(self.shared))
        self.zapsign = ZapSignApi(ZapSignStore(self.shared, rate=self.zapsign_rate))
        self.indexhealth = IndexHealthApi(IndexHealthStore(self.shared))
        if self.webhook_url:
            self.register_receiver(self.webhook_url)

    def register_receiver(self, url: str) -> None:
        """ZapSign: an account webhook of the demo account for every document event (type
        ""); OKdokument, which has no account webhooks: the sendInfoURL of requests that
        name none."""
        store = self.zapsign.store
        store.webhooks.append(
            Webhook(next(store.webhook_ids), DEMO_API_TOKEN, url, "", None, headers=[])
        )
        self.okdokument.store.default_send_info_url = url

    def credentials(self, origin: str) -> dict[str, dict[str, Any]]:
        """What `sandbox serve` prints: per provider, the base URL and demo credentials."""
        return {
            "okdokument": {
                "base_url": f"{origin}{OKDOKUMENT_PREFIX}/JSON",
                "api_key": DEMO_API_KEY,
                "forbidden_api_key": FORBIDDEN_API_KEY,
            },
            "zapsign": {
                "base_url": f"{origin}{ZAPSIGN_PREFIX}/api/v1",
                "api_key": DEMO_API_TOKEN,
                "no_plan_api_key": NO_PLAN_API_TOKEN,
                "other_environment_api_key": OTHER_ENV_API_TOKEN,
            },
            "indexhealth": {
                "base_url": f"{origin}{INDEXHEALTH_PREFIX}",
                "client_id": DEMO_CLIENT_ID,
                "client_secret": DEMO_CLIENT_SECRET,
                **DEMO_USER,
                "collection_id": DEMO_COLLECTION,
            },
        }

    async def sign(
        self,
        request: Request,
        some_id: str,
        action: str,
        signer_name: str,
        signer_token: str | None,
    ) -> dict[str, Any]:
        """Simulate the signer on whichever provider knows the ID."""
        result = await self.okdokument.sign(some_id, action=action, signer=signer_name)
        if result.get("status") != 404:
            return result
        result = await self.zapsign.sign(request, some_id, action=action, signer_token=signer_token)
        if result.get("status") != 404 or self.zapsign.store.find(some_id):
            return result
        if some_id in self.indexhealth.store.docs:
            return {"error": "IndexHealth stores documents; they are not signed", "status": 409}
        return {
            "error": f"no document, request or signer {some_id!r} in the sandbox",
            "status": 404,
        }

    async def trigger(
        self, request: Request, event: str, some_id: str | None, to: str | None
    ) -> dict[str, Any]:
        """Send one documented event now, by the provider whose event it is."""
        if event in OKDOKUMENT_EVENTS:
            if some_id and self.zapsign.store.find(some_id):
                return {"error": f"{some_id} is a ZapSign document or signer", "status": 400}
            return await self.okdokument.trigger(event, some_id, to)
        if event in ZAPSIGN_EVENTS:
            if some_id and self.okdokument.store.find_for_signing(some_id):
                return {"error": f"{some_id} is an OKdokument document or request", "status": 400}
            return await self.zapsign.trigger(request, event, some_id, to)
        return {
            "error": f"no documented event {event!r}: ZapSign has {', '.join(ZAPSIGN_EVENTS)}; "
            f"OKdokument's callback reports {', '.join(OKDOKUMENT_EVENTS)}",
            "status": 400,
        }


def create_app(sandbox: Sandbox | None = None) -> Starlette:
    sandbox = sandbox or Sandbox()

    async def health(request: Request) -> Response:
        origin = str(request.base_url).rstrip("/")
        return JSONResponse({"ok": True, "providers": sandbox.credentials(origin)})

    async def sign(request: Request) -> Response:
        body = await _body(request)
        some_id = str(body.get("id") or "")
        action = str(body.get("action") or "sign")
        if action not in ("sign", "cancel"):
            return JSONResponse({"error": "action is sign or cancel"}, status_code=400)
        result = await sandbox.sign(
            request,
            some_id,
            action,
            str(body.get("signer_name") or "Sandbox Signer"),
            str(body["signer_token"]) if body.get("signer_token") else None,
        )
        if "error" in result:
            return JSONResponse({"error": result["error"]}, status_code=int(result["status"]))
        return JSONResponse(result)

    async def trigger(request: Request) -> Response:
        body = await _body(request)
        to = str(body.get("to") or "") or None
        if to is not None and not to.startswith(("http://", "https://")):
            return JSONResponse({"error": "to is an http:// or https:// URL"}, status_code=400)
        result = await sandbox.trigger(
            request, str(body.get("event") or ""), str(body.get("id") or "") or None, to
        )
        if "error" in result:
            return JSONResponse({"error": result["error"]}, status_code=int(result["status"]))
        return JSONResponse(result)

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.faults.clear()
        elif request.method in ("POST", "PUT"):
            body = await _body(request, allow_list=True)
            try:
                rules = parse_rules(body.get("rules", body) if isinstance(body, dict) else body)
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
            seed = body.get("seed") if isinstance(body, dict) else None
            if request.method == "PUT":
                sandbox.faults.set(rules, seed=seed)
            else:
                sandbox.faults.add(rules)
        return JSONResponse({"seed": sandbox.faults.seed, "rules": sandbox.faults.describe()})

    async def journal(request: Request) -> Response:
        return JSONResponse(sandbox.shared.journal_json())

    async def callbacks(request: Request) -> Response:
        return JSONResponse(sandbox.shared.callbacks_json())

    async def synthetic(request: Request) -> Response:
        body = await _body(request)
        try:
            size = int(body.get("size", 0))
        except (TypeError, ValueError):
            size = -1
        if size < 0 or size > 64 * 2**30:
            return JSONResponse({"error": "size is bytes, 0 to 64 GiB"}, status_code=400)
        key = str(body.get("api_key") or DEMO_API_KEY)
        name = str(body.get("name") or "synthetic.pdf")
        document_id = sandbox.okdokument.add_synthetic(key, size, name)
        return JSONResponse({"provider": "okdokument", "id": document_id, "size": size})

    def rate_state() -> dict[str, Any]:
        limit = sandbox.zapsign.store.rate
        return {
            "limits": {"zapsign": str(limit) if limit else "none"},
            **sandbox.shared.traffic.json(),
        }

    async def rate(request: Request) -> Response:
        """ZapSign's per-token limit (PUT {"zapsign": "3000/m"}) and the traffic answered so
        far, 429s included (DELETE sets the counters to zero)."""
        if request.method == "PUT":
            body = await _body(request)
            if "zapsign" not in body:
                return JSONResponse({"error": 'give {"zapsign": "500/m"}'}, status_code=400)
            try:
                sandbox.zapsign.store.set_rate(parse_limit(str(body["zapsign"])))
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        elif request.method == "DELETE":
            sandbox.shared.traffic = Traffic()
        return JSONResponse(rate_state())

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.shared.requests.clear()
        return JSONResponse(sandbox.shared.requests_json())

    app = Starlette(
        routes=[
            Route("/_sandbox/health", health, methods=["GET"]),
            Route("/_sandbox/sign", sign, methods=["POST"]),
            Route("/_sandbox/trigger", trigger, methods=["POST"]),
            Route("/_sandbox/faults", faults, methods=["GET", "POST", "PUT", "DELETE"]),
            Route("/_sandbox/journal", journal, methods=["GET"]),
            Route("/_sandbox/callbacks", callbacks, methods=["GET"]),
            Route("/_sandbox/requests", requests, methods=["GET", "DELETE"]),
            Route("/_sandbox/rate", rate, methods=["GET", "PUT", "DELETE"]),
            Route("/_sandbox/okdokument/synthetic", synthetic, methods=["POST"]),
            # No slash "fixing" redirects: an ID with an encoded '/' must get 404, not be
            # redirected to another endpoint.
            Mount(
                OKDOKUMENT_PREFIX, app=Router(sandbox.okdokument.routes(), redirect_slashes=False)
            ),
            Mount(ZAPSIGN_PREFIX, app=Router(sandbox.zapsign.routes(), redirect_slashes=False)),
            Mount(
                INDEXHEALTH_PREFIX, app=Router(sandbox.indexhealth.routes(), redirect_slashes=False)
            ),
        ]
    )
    app.router.redirect_slashes = False
    app.add_middleware(FaultMiddleware, injector=sandbox.faults)
    app.add_middleware(RequestLogMiddleware, shared=sandbox.shared)
    app.add_middleware(AdminGuard, token=sandbox.admin_token)
    app.state.sandbox = sandbox
    return app


class RequestLogMiddleware:
    """Outermost: logs every request, including those a fault then drops, and counts what was
    answered to each provider's clients (requests, 429s, body bytes)."""

    def __init__(self, app: ASGIApp, shared: SharedState) -> None:
        self.app = app
        self.shared = shared

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox"):
            await self.app(scope, receive, send)
            return
        headers = {k.lower() for k, _ in scope.get("headers", [])}
        self.shared.log_request(
            scope["method"],
            (scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            scope.get("query_string", b"").decode("latin-1"),
            bool(headers & {b"x-api-key", b"authorization"}),
        )
        provider = scope["path"].split("/", 2)[1]
        traffic = self.shared.traffic
        if provider not in traffic.requests:
            await self.app(scope, receive, send)
            return
        traffic.requests[provider] += 1

        is_file = False

        async def counting(message: Message) -> None:
            nonlocal is_file
            if message["type"] == "http.response.start":
                if message["status"] == 429:
                    traffic.answered_429[provider] += 1
                kind = dict(message.get("headers", [])).get(b"content-type", b"")
                is_file = not (b"json" in kind or b"xml" in kind)
            elif message["type"] == "http.response.body":
                size = len(message.get("body", b""))
                traffic.body_bytes[provider] += size
                if is_file:
                    traffic.file_bytes[provider] += size
            await send(message)

        await self.app(scope, receive, counting)


async def _body(request: Request, allow_list: bool = False) -> Any:
    try:
        body = await request.json()
    except ValueError:
        return {}
    if isinstance(body, dict) or (allow_list and isinstance(body, list)):
        return body
    return {}
