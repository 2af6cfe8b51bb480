"""Shared by the benchmarks: a sandbox in its own process, timing, child process accounting."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ESIGN = shutil.which("esign") or str(Path(sys.executable).with_name("esign"))


@dataclass
class Sandbox:
    url: str
    pid: int
    creds: dict[str, Any]

    @property
    def okd_env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("ESIGN_")}
        okd = self.creds["okdokument"]
        return {
            **base,
            "ESIGN_PROVIDER": "okdokument",
            "ESIGN_BASE_URL": okd["base_url"],
            "ESIGN_API_KEY": okd["api_key"],
        }

    def post(self, path: str, body: Any) -> Any:
        import urllib.request

        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
            return json.loads(response.read())

    def synthetic(self, size: int, name: str = "bench.pdf") -> str:
        return str(self.post("/_sandbox/okdokument/synthetic", {"size": size, "name": name})["id"])

    def cpu_seconds(self) -> float:
        """User + system CPU the sandbox process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def sandbox(faults: str | None = None) -> Iterator[Sandbox]:
    args = [ESIGN, "sandbox", "serve", "--port", "0", "--json", "-q"]
    if faults:
        args += ["--faults", faults]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        banner = json.loads(proc.stdout.readline())
        box = Sandbox(banner["url"], proc.pid, banner["providers"])
        deadline = time.monotonic() + 15
        while True:
            try:
                import urllib.request

                urllib.request.urlopen(box.url + "/_sandbox/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield box
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_timed(args: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak RSS KiB) of one child process."""
    seconds, code, peak, _ = run_measured(args, env)
    return seconds, code, peak


def run_measured(
    args: list[str], env: dict[str, str] | None = None
) -> tuple[float, int, int, float]:
    """(wall seconds, exit code, peak RSS KiB, user + system CPU seconds) of one child."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        args,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    return (
        time.perf_counter() - started,
        os.waitstatus_to_exitcode(status),
        usage.ru_maxrss,
        usage.ru_utime + usage.ru_stime,
    )


def median_seconds(args: list[str], env: dict[str, str] | None = None, runs: int = 9) -> float:
    times = []
    for _ in range(runs):
        seconds, code, _ = run_timed(args, env)
        if code != 0:
            raise RuntimeError(f"{' '.join(args[:4])} failed with exit {code}")
        times.append(seconds)
    return statistics.median(times)


def interleaved_medians(
    commands: list[tuple[list[str], dict[str, str] | None]], runs: int = 15
) -> list[float]:
    """Median wall time of each command, run in turns (a, b, c, a, b, c, ...): a burst of
    load on a shared machine then hits every command alike instead of one of them."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for slot, (args, env) in enumerate(commands):
            seconds, code, _ = run_timed(args, env)
            if code != 0:
                raise RuntimeError(f"{' '.join(args[:4])} failed with exit {code}")
            times[slot].append(seconds)
    return [statistics.median(slot) for slot in times]


def verdict(ok: bool) -> str:
    return "meets the target" if ok else "MISSES the target"
