"""One TAB completion round-trip (`esign doc <TAB>` as bash runs it) against the baseline
`python -c "import typer"`, measured in the same run; medians of 9."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

RUNS = 9


def median_seconds(command: list[str], env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    esign = shutil.which("esign") or "esign"
    baseline = median_seconds([sys.executable, "-c", "import typer"])
    env = {
        **os.environ,
        "_ESIGN_COMPLETE": "complete_bash",
        "COMP_WORDS": "esign doc ",
        "COMP_CWORD": "2",
    }
    tab = median_seconds([esign], env)
    print(f"baseline python -c 'import typer': {baseline * 1000:.1f} ms")
    print(f"TAB round-trip (esign doc <TAB>):  {tab * 1000:.1f} ms  {tab / baseline:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
