"""Throughput: a 1 GiB download from the sandbox, esign against curl on the same URL (both
writing a file on the same disk, in turns), medians of 7; the same to /dev/null, which leaves
the disk out; and esign's peak RSS for 1 MiB against 1 GiB. Also reports the CPU each side
used and how busy the sandbox was, to show what bounds the numbers."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from common import ESIGN, Sandbox, run_measured, run_timed, sandbox, verdict

GIB = 1 << 30
RUNS = 7


def main() -> int:
    with sandbox() as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        env = box.okd_env
        okd = box.creds["okdokument"]
        big = box.synthetic(GIB, "big.pdf")
        small = box.synthetic(1 << 20, "small.pdf")
        url = f"{okd['base_url']}/document/{big}"
        out = Path(tmp)

        def curl(target: str) -> list[str]:
            return ["curl", "-sS", "-o", target, "-H", f"x-api-key: {okd['api_key']}", url]

        def esign(target: str) -> list[str]:
            return [ESIGN, "doc", "download", big, "-o", target, "-q", "--force"]

        to_file = _compare(box, env, curl(str(out / "c.pdf")), esign(str(out / "e.pdf")), out)
        to_null = _compare(box, env, curl("/dev/null"), esign("/dev/null"), out, runs=5)
        ratio = to_file["esign"] / to_file["curl"]
        print(
            f"1 GiB download: curl {to_file['curl']:.0f} MB/s, esign {to_file['esign']:.0f} MB/s:"
            f" {ratio:.2f}x  (target >= 0.8x: {verdict(ratio >= 0.8)})"
        )
        print(
            f"  to /dev/null (no disk): curl {to_null['curl']:.0f} MB/s, esign "
            f"{to_null['esign']:.0f} MB/s: {to_null['esign'] / to_null['curl']:.2f}x (no target)"
        )
        print(
            f"  CPU seconds per GiB (to a file): curl {to_file['curl cpu']:.2f}, esign "
            f"{to_file['esign cpu']:.2f}; sandbox while serving: {to_file['curl busy']:.0%} of "
            f"a core for curl, {to_file['esign busy']:.0%} for esign"
        )
        rss = {}
        for name, doc in (("1 MiB", small), ("1 GiB", big)):
            _, code, peak = run_timed(
                [ESIGN, "doc", "download", doc, "-o", str(out / f"{name}.pdf"), "-q"], env
            )
            assert code == 0
            rss[name] = peak / 1024
        growth = rss["1 GiB"] - rss["1 MiB"]
        print(
            f"peak RSS: 1 MiB download {rss['1 MiB']:.1f} MB, 1 GiB download "
            f"{rss['1 GiB']:.1f} MB: +{growth:.1f} MB  (target within 10 MB: "
            f"{verdict(growth <= 10)})"
        )
    return 0


def _compare(
    box: Sandbox,
    env: dict[str, str],
    curl: list[str],
    esign: list[str],
    out: Path,
    runs: int = RUNS,
) -> dict[str, float]:
    """MB/s (medians), CPU seconds and sandbox busy share for curl and esign, run in turns."""
    samples: dict[str, list[float]] = {}
    sides = [("curl", curl, None), ("esign", esign, env)]
    for _ in range(runs):
        sides.reverse()  # each goes first in half the rounds: the order matters on a VM
        for name, args, args_env in sides:
            before = box.cpu_seconds()
            seconds, code, _, cpu = run_measured(args, args_env)
            assert code == 0, f"{name} failed with exit {code}"
            samples.setdefault(name, []).append(GIB / seconds / 1e6)
            samples.setdefault(f"{name} cpu", []).append(cpu)
            samples.setdefault(f"{name} busy", []).append((box.cpu_seconds() - before) / seconds)
            for leftover in out.glob("*.pdf"):
                leftover.unlink()
    return {key: statistics.median(values) for key, values in samples.items()}


if __name__ == "__main__":
    raise SystemExit(main())
