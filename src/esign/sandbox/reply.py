"""Answering at once from a route's helpers (a failed auth, a body that is not JSON), so the
routes read like the spec instead of repeating `if isinstance(x, Response): return x`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

Endpoint = Callable[[Request], Awaitable[Response]]


class Reply(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def replying(endpoint: Endpoint) -> Endpoint:
    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Reply as reply:
            return reply.response

    return wrapper
