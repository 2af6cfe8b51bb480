"""Start-up: `esign --version` and `esign --help` against `python -c "import typer"`, and
`esign doc info ID` against httpie's `http GET` of the same URL with the same header, all
measured in this run, in turns (medians of 15). Also lists the top `python -X importtime`
offenders."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

from common import ESIGN, interleaved_medians, median_seconds, sandbox, verdict


def importtime_offenders(args: list[str], env: dict[str, str], top: int = 8) -> list[str]:
    code = (
        f"from esign.cli.main import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    rows = []
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and len(match.group(3)) <= 3:  # top-level imports only
            rows.append((int(match.group(2)), match.group(4)))
    return [f"{us / 1000:6.1f} ms  {name}" for us, name in sorted(rows, reverse=True)[:top]]


def main() -> int:
    baseline, *esign_times = interleaved_medians(
        [
            ([sys.executable, "-c", "import typer"], None),
            ([ESIGN, "--version"], None),
            ([ESIGN, "--help"], None),
        ]
    )
    print(f"baseline python -c 'import typer': {baseline * 1000:.1f} ms")
    for args, seconds, target in zip(
        (["--version"], ["--help"]), esign_times, (1.3, 1.1), strict=True
    ):
        ratio = seconds / baseline
        print(
            f"esign {' '.join(args):<10} {seconds * 1000:7.1f} ms  {ratio:4.2f}x  "
            f"(target <= {target}x: {verdict(ratio <= target)})"
        )
    seconds = median_seconds([ESIGN, "doc", "--help"])
    print(f"esign doc --help   {seconds * 1000:7.1f} ms  {seconds / baseline:4.2f}x  (no target)")

    http = shutil.which("http")
    if http is None:
        print("httpie is not installed: bench/run installs it")
        return 1
    with sandbox() as box:
        import base64

        from esign.sandbox.pdf import sample_contract

        env = box.okd_env
        okd = box.creds["okdokument"]
        document_id = _upload(box, base64.b64encode(sample_contract()).decode())
        url = f"{okd['base_url']}/document/metadata/{document_id}"
        esign_s, httpie_s = interleaved_medians(
            [
                ([ESIGN, "doc", "info", document_id], env),
                (
                    [
                        http,
                        "--ignore-stdin",
                        "--print=b",
                        "GET",
                        url,
                        f"x-api-key:{okd['api_key']}",
                    ],
                    None,
                ),
            ]
        )
        ratio = esign_s / httpie_s
        print(
            f"esign doc info ID  {esign_s * 1000:7.1f} ms; httpie http GET {httpie_s * 1000:.1f}"
            f" ms: {ratio:4.2f}x  (target <= 0.65x: {verdict(ratio <= 0.65)})"
        )
        print("python -X importtime, top offenders of `esign doc info ID` (cumulative):")
        for row in importtime_offenders(["doc", "info", document_id], env):
            print("   " + row)
    return 0


def _upload(box: object, content: str) -> str:
    import json
    import urllib.request

    okd = box.creds["okdokument"]  # type: ignore[attr-defined]
    request = urllib.request.Request(
        f"{okd['base_url']}/document",
        method="POST",
        data=json.dumps({"file": {"content": content}, "filename": "bench.pdf"}).encode(),
        headers={"content-type": "application/json", "x-api-key": okd["api_key"]},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # loopback only
        return str(json.loads(response.read())["result"])


if __name__ == "__main__":
    raise SystemExit(main())
