"""Start-up cost of the entry point against `python -c "import typer"`, measured in this run.

Prints medians of several runs and the ratio to the baseline (issue 9 targets 1.3x).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

RUNS = 9


def median_seconds(command: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    esign = shutil.which("esign") or "esign"
    baseline = median_seconds([sys.executable, "-c", "import typer"])
    print(f"baseline python -c 'import typer': {baseline * 1000:.1f} ms")
    for args in (["--version"], ["--help"], ["doc", "--help"]):
        seconds = median_seconds([esign, *args])
        ratio = seconds / baseline
        verdict = "meets" if ratio <= 1.3 else "misses"
        print(
            f"esign {' '.join(args):<12} {seconds * 1000:7.1f} ms  {ratio:4.2f}x  "
            f"({verdict} the 1.3x target)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
