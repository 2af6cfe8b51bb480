"""A `esign webhook listen` process for tests: started on a free port, its JSON lines read as
they come, stopped with a signal like a user's Ctrl-C."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ESIGN = str(Path(sys.executable).with_name("esign"))


@dataclass
class Listener:
    proc: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def next_event(self, timeout: float = 10) -> dict[str, Any]:
        return dict(json.loads(self.lines.get(timeout=timeout)))

    def stop(self, signum: int = signal.SIGINT) -> tuple[int, str]:
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=15)
        assert self.proc.stderr is not None
        return code, self.proc.stderr.read()


@pytest.fixture
def listen() -> Iterator[Callable[..., Listener]]:
    started: list[Listener] = []

    def start(*args: str, stdin: str | None = None) -> Listener:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
        proc = subprocess.Popen(
            [ESIGN, "webhook", "listen", "--port", "0", "--json", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdin is not None and proc.stderr is not None
        if stdin is not None:
            proc.stdin.write(stdin)
        proc.stdin.close()
        first = proc.stderr.readline()
        assert "listening on http://127.0.0.1:" in first, first + (proc.stderr.read() or "")
        url = first.split("listening on ", 1)[1].split(" ", 1)[0]
        listener = Listener(proc, url)

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                listener.lines.put(line)

        threading.Thread(target=pump, daemon=True).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        if listener.proc.poll() is None:
            listener.proc.kill()
            listener.proc.wait(timeout=10)
