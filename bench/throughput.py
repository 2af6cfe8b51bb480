"""Throughput: a 1 GiB download from the sandbox, esign against curl on the same URL (both
writing a file on the same disk), medians of 5; and esign's peak RSS for 1 MiB against 1 GiB.
Also reports how busy the sandbox was, to show it is not what limits the numbers."""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from common import ESIGN, run_timed, sandbox, verdict

GIB = 1 << 30
RUNS = 5


def main() -> int:
    with sandbox() as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        env = box.okd_env
        okd = box.creds["okdokument"]
        big = box.synthetic(GIB, "big.pdf")
        small = box.synthetic(1 << 20, "small.pdf")
        url = f"{okd['base_url']}/document/{big}"
        out = Path(tmp)
        curl_times, esign_times, curl_busy, esign_busy = [], [], [], []
        for i in range(RUNS):
            before = box.cpu_seconds()
            seconds, code, _ = run_timed(
                [
                    "curl",
                    "-sS",
                    "-o",
                    str(out / f"c{i}.pdf"),
                    "-H",
                    f"x-api-key: {okd['api_key']}",
                    url,
                ]
            )
            curl_busy.append((box.cpu_seconds() - before) / seconds)
            assert code == 0
            curl_times.append(seconds)
            (out / f"c{i}.pdf").unlink()
            before = box.cpu_seconds()
            seconds, code, _ = run_timed(
                [ESIGN, "doc", "download", big, "-o", str(out / f"e{i}.pdf"), "-q"], env
            )
            esign_busy.append((box.cpu_seconds() - before) / seconds)
            assert code == 0
            esign_times.append(seconds)
            (out / f"e{i}.pdf").unlink()
        curl_rate = GIB / statistics.median(curl_times) / 1e6
        esign_rate = GIB / statistics.median(esign_times) / 1e6
        ratio = esign_rate / curl_rate
        print(
            f"1 GiB download: curl {curl_rate:.0f} MB/s, esign {esign_rate:.0f} MB/s: "
            f"{ratio:.2f}x  (target >= 0.8x: {verdict(ratio >= 0.8)})"
        )
        print(
            f"  sandbox CPU while serving: {statistics.median(curl_busy):.0%} of a core for "
            f"curl, {statistics.median(esign_busy):.0%} for esign"
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


if __name__ == "__main__":
    raise SystemExit(main())
