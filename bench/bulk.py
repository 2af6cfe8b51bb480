"""Bulk: 500 documents, each answered with 20 ms of added sandbox latency.

`esign doc download --from ids --jobs 16` against a shell loop of single `esign doc download`
calls (timed on 100 documents and scaled to 500, to keep the run short) and against
`xargs -P16 curl` doing the same 500 downloads. Medians of 5 for the two pool runs."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from common import ESIGN, sandbox, verdict

DOCUMENTS = 500
LOOP_SAMPLE = 100
RUNS = 5
FAULTS = (
    '[{"kind": "latency", "delay": 0.02, "method": "GET", "path": "/JSON/document/",'
    ' "count": null}]'
)


def timed(command: list[str] | str, env: dict[str, str], cwd: Path, shell: bool = False) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        env=env,
        cwd=cwd,
        shell=shell,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def main() -> int:
    with sandbox(FAULTS) as box, tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        env = box.okd_env
        okd = box.creds["okdokument"]
        ids = [box.synthetic(64 * 1024, f"doc{i}.pdf") for i in range(DOCUMENTS)]
        work = Path(tmp)
        (work / "ids").write_text("\n".join(ids) + "\n")
        (work / "sample").write_text("\n".join(ids[:LOOP_SAMPLE]) + "\n")

        def fresh(name: str) -> Path:
            target = work / name
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            return target

        pool, curl = [], []
        for _ in range(RUNS):
            out = fresh("pool")
            pool.append(
                timed(
                    [
                        ESIGN,
                        "doc",
                        "download",
                        "--from",
                        "ids",
                        "--jobs",
                        "16",
                        "-o",
                        f"{out}/",
                        "-q",
                    ],
                    env,
                    work,
                )
            )
            assert len(list(out.iterdir())) == DOCUMENTS
            out = fresh("curl")
            script = (
                f"xargs -P16 -I{{}} curl -sS -o {out}/{{}}.pdf "
                f"-H 'x-api-key: {okd['api_key']}' '{okd['base_url']}/document/{{}}' < ids"
            )
            curl.append(timed(script, env, work, shell=True))
            assert len(list(out.iterdir())) == DOCUMENTS
        out = fresh("loop")
        loop_script = (
            f'while read -r id; do "{ESIGN}" doc download "$id" -o {out}/ -q; done < sample'
        )
        loop = timed(loop_script, env, work, shell=True) * DOCUMENTS / LOOP_SAMPLE
        pool_s, curl_s = statistics.median(pool), statistics.median(curl)
        speedup = loop / pool_s
        versus_curl = pool_s / curl_s
        print(f"{DOCUMENTS} documents, 20 ms latency each:")
        print(f"  shell loop of single downloads: {loop:6.1f} s (from {LOOP_SAMPLE}, scaled)")
        print(f"  esign --jobs 16:                {pool_s:6.2f} s")
        print(f"  xargs -P16 curl:                {curl_s:6.2f} s")
        print(
            f"  esign --jobs 16 vs shell loop: {speedup:.1f}x faster  "
            f"(target >= 10x: {verdict(speedup >= 10)})"
        )
        print(
            f"  esign --jobs 16 vs xargs curl: {versus_curl:.2f}x the time  "
            f"(target <= 1.5x: {verdict(versus_curl <= 1.5)})"
        )
        print(f"  sandbox CPU during the whole run: {box.cpu_seconds():.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
