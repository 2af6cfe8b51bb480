"""Running the sandbox: in the foreground (`esign sandbox serve`) or on a background thread
(`esign sandbox demo`, the test suite)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from esign.sandbox.app import Sandbox, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _config(sandbox: Sandbox, host: str, port: int, *, log: bool) -> Any:
    import uvicorn

    return uvicorn.Config(
        create_app(sandbox),
        host=host,
        port=port,
        log_level="info" if log else "warning",
        access_log=log,
        lifespan="off",
        # Fault injection drops connections under the server: the h11 protocol keeps that
        # simple and identical everywhere.
        http="h11",
    )


def serve(sandbox: Sandbox, host: str, port: int, *, log: bool = True) -> None:
    import uvicorn

    uvicorn.Server(_config(sandbox, host, port, log=log)).run()


@dataclass
class RunningSandbox:
    sandbox: Sandbox
    url: str
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def start_in_thread(
    sandbox: Sandbox | None = None, host: str = DEFAULT_HOST, port: int = 0
) -> RunningSandbox:
    """Start on a free port (port 0) and return once it accepts connections."""
    import uvicorn

    sandbox = sandbox or Sandbox()
    server = uvicorn.Server(_config(sandbox, host, port, log=False))
    thread = threading.Thread(target=server.run, name="esign-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox could not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return RunningSandbox(sandbox, f"http://{host}:{bound}", server, thread)
