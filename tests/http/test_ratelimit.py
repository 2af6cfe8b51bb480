"""Pacing under the provider's rate limit: one limiter for everything a process sends to the
API, set by --rate / ESIGN_RATE / a profile's rate, else the provider's documented limit
(ZapSign 500/m); a 429 still pauses the pool and lowers the pace. And the sandbox's side: a
configurable per-token limit in fixed windows, and a count of the 429s it answered."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from esign.cli.app import app
from esign.core.context import ContextOverrides
from esign.core.errors import UsageError
from esign.core.http.ratelimit import HEADROOM, Rate, RateLimiter, parse_rate
from esign.sandbox.pdf import sample_contract
from esign.sandbox.zapsign.store import ZDoc
from tests.conftest import Cli, SandboxAdmin

# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("500/m", Rate(500, 60)),
        ("20/s", Rate(20, 1)),
        (" 10000 / h ", Rate(10000, 3600)),
        ("2.5/s", Rate(2.5, 1)),
        ("500/min", Rate(500, 60)),
        ("none", None),
        ("OFF", None),
    ],
)
def test_rates_are_read_per_second_minute_or_hour(text: str, expected: Rate | None) -> None:
    assert parse_rate(text, "--rate") == expected


@pytest.mark.parametrize("text", ["500", "0/s", "-1/s", "fast", "5/d", "1e9/s", "nan/s", ""])
def test_a_rate_that_means_nothing_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_rate(text, "ESIGN_RATE")
    assert "ESIGN_RATE" in caught.value.message


# -- the limiter, on a fake clock ------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_requests_are_spaced_evenly_a_little_under_the_limit_with_no_burst() -> None:
    fake = FakeTime()
    limiter = RateLimiter(Rate(20, 1), clock=fake.clock, sleep=fake.sleep)
    moments = []
    for _ in range(60):
        limiter.acquire()
        moments.append(fake.now)
    gap = 1 / (20 * HEADROOM)
    assert moments[0] == 1000.0  # the first goes at once
    assert all(abs((b - a) - gap) < 1e-9 for a, b in itertools.pairwise(moments))
    assert limiter.requests == 60


@pytest.mark.parametrize("offset", [0.0, 0.37, 0.999])
def test_no_fixed_window_of_the_servers_ever_sees_more_than_the_limit(offset: float) -> None:
    """Whatever the alignment of the server's windows, and for two runs back to back."""
    fake = FakeTime()
    fake.now += offset
    moments = []
    for _ in range(2):  # a run, then another process right after it (a CI retry)
        limiter = RateLimiter(Rate(20, 1), clock=fake.clock, sleep=fake.sleep)
        for _ in range(200):
            limiter.acquire()
            moments.append(fake.now)
    windows: dict[int, int] = {}
    for moment in moments:
        windows[int(moment // 1)] = windows.get(int(moment // 1), 0) + 1
    assert max(windows.values()) <= 20


def test_a_request_that_waited_for_the_pool_is_not_followed_by_a_burst() -> None:
    fake = FakeTime()
    limiter = RateLimiter(Rate(10, 1), clock=fake.clock, sleep=fake.sleep)
    limiter.acquire()
    fake.now += 30  # the pool was held by a Retry-After
    before = len(fake.sleeps)
    for _ in range(5):
        limiter.acquire()
    assert len(fake.sleeps) - before == 4  # paced again at once, not five in a row


def test_a_429_lowers_the_pace_which_recovers_in_quiet_windows() -> None:
    fake = FakeTime()
    limiter = RateLimiter(Rate(60, 60), clock=fake.clock, sleep=fake.sleep)
    full = limiter.pace
    limiter.slow_down()
    assert limiter.pace == pytest.approx(full * 0.75)
    assert limiter.throttled == 1
    fake.now += 61
    limiter.acquire()
    assert full * 0.75 < limiter.pace < full
    fake.now += 3600
    limiter.acquire()
    assert limiter.pace == pytest.approx(full)  # never above the limit


def test_unpaced_until_a_429_then_paced_below_the_rate_it_was_going_at() -> None:
    fake = FakeTime()
    limiter = RateLimiter(None, clock=fake.clock, sleep=fake.sleep)
    for _ in range(200):  # 20 a second
        limiter.acquire()
        fake.now += 0.05
    assert fake.sleeps == []
    limiter.slow_down()
    assert limiter.pace == pytest.approx(20 * 0.75)
    limiter.acquire()
    limiter.acquire()
    assert fake.sleeps and fake.sleeps[-1] == pytest.approx(1 / 15)


def test_a_429_after_a_few_requests_does_not_pace_them() -> None:
    """Another client spent the budget: spacing out three requests would not help."""
    fake = FakeTime()
    limiter = RateLimiter(None, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        limiter.acquire()
    limiter.slow_down()
    for _ in range(3):
        limiter.acquire()
    assert fake.sleeps == []


# -- where the rate comes from ---------------------------------------------------------------


def status_rate(cli: Cli, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("auth", "status", "--json", *args, env=env)
    assert result.exit_code == 0, result.stderr
    return dict(result.json()["rate"])


def test_zapsign_is_paced_by_its_documented_limit_by_default(zs: Cli) -> None:
    assert status_rate(zs) == {
        "value": "500/m",
        "source": "default (the provider's documented limit)",
    }


def test_a_provider_without_a_documented_limit_is_not_paced(cli: Cli) -> None:
    assert status_rate(cli)["value"] == "none (no documented limit)"


def test_the_flag_beats_the_environment_which_beats_the_profile(
    zs: Cli, zs_env: dict[str, str]
) -> None:
    config = Path(os.environ["ESIGN_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(
        'default_profile = "p"\n[profiles.p]\nprovider = "zapsign"\nrate = "100/m"\n'
    )
    assert status_rate(zs) == {"value": "100/m", "source": "config profile p"}
    assert status_rate(zs, env={"ESIGN_RATE": "20/s"}) == {
        "value": "20/s",
        "source": "env ESIGN_RATE",
    }
    flagged = status_rate(zs, "--rate", "none", env={"ESIGN_RATE": "20/s"})
    assert flagged == {"value": "none (not paced)", "source": "flag --rate"}


def test_a_bad_rate_is_exit_2_naming_where_it_came_from(zs: Cli) -> None:
    result = zs("doc", "list", env={"ESIGN_RATE": "lots"})
    assert result.exit_code == 2
    assert "ESIGN_RATE" in result.stderr
    flagged = zs("doc", "list", "--rate", "5/fortnight")
    assert flagged.exit_code == 2 and "--rate" in flagged.stderr


def test_profile_set_checks_the_rate_before_writing_it(cli: Cli) -> None:
    assert cli("profile", "add", "p", "--provider", "zapsign").exit_code == 0
    bad = cli("profile", "set", "p", "rate", "quickly")
    assert bad.exit_code == 2
    good = cli("profile", "set", "p", "rate", "250/m")
    assert good.exit_code == 0, good.stderr
    text = (Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml").read_text()
    assert 'rate = "250/m"' in text


def test_a_rate_of_the_wrong_type_in_the_config_file_is_named(cli: Cli) -> None:
    config = Path(os.environ["ESIGN_CONFIG_DIR"])
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('[profiles.p]\nprovider = "zapsign"\nrate = 500\n')
    result = cli("doc", "list", "--profile", "p")
    assert result.exit_code == 2
    assert "rate must be a string" in result.stderr


def test_pacing_sleeps_are_recorded_for_a_bulk_download(
    zs: Cli, sandbox: SandboxAdmin, tmp_path: Path
) -> None:
    """Every worker of `doc download --from` draws from the one limiter: 10 details at 5/s
    take about two seconds of pacing (slept on the test's fake clock)."""
    ids = signed_documents(sandbox, 10)
    (tmp_path / "ids").write_text("\n".join(ids) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    result = zs(
        "doc", "download", "--from", str(tmp_path / "ids"), "-o", f"{out}/", "--rate", "5/s"
    )
    assert result.exit_code == 0, result.stderr
    assert len(list(out.iterdir())) == 10
    assert sum(result.sleeps) == pytest.approx(9 / (5 * HEADROOM), rel=0.2)


# -- against the sandbox's own limit, in real time ---------------------------------------------


def signed_documents(sandbox: SandboxAdmin, count: int, token: str | None = None) -> list[str]:
    """Signed ZapSign documents put straight into the emulator's store (creating them through
    the API would spend the rate-limit window the test measures)."""
    import uuid

    store = sandbox.running.sandbox.zapsign.store
    owner = token or sandbox.zapsign("api_key")
    pdf = sample_contract("Rate")
    ids = []
    for n in range(count):
        doc = ZDoc(
            token=str(uuid.uuid4()),
            owner=owner,
            open_id=100_000 + n,
            name=f"Paced {n}",
            original=pdf,
            lang="en",
            signers=[],
            status="signed",
            signed=pdf,
        )
        store.docs[doc.token] = doc
        ids.append(doc.token)
    return ids


@pytest.fixture
def limited(sandbox: SandboxAdmin) -> Any:
    """The sandbox's ZapSign at 20 requests a second per token, its counters at zero; the
    documented 500/m again afterwards."""
    sandbox.http.put("/_sandbox/rate", json={"zapsign": "20/s"}).raise_for_status()
    sandbox.http.delete("/_sandbox/rate").raise_for_status()
    yield sandbox
    sandbox.http.put("/_sandbox/rate", json={"zapsign": "500/m"}).raise_for_status()


def real_time(env: dict[str, str], *args: str) -> tuple[int, str, float]:
    """The CLI in-process with the real clock: the limiter really waits."""
    full = {**os.environ, **env}
    started = time.monotonic()
    result = CliRunner().invoke(app, list(args), obj=ContextOverrides(env=full))
    return result.exit_code, result.stderr, time.monotonic() - started


def sixty_downloads(
    limited: SandboxAdmin, zs_env: dict[str, str], tmp_path: Path, token: str, **env: str
) -> tuple[int, str, float, Path]:
    """`doc download --from` of 60 signed documents of a token of its own, --jobs 8, in real
    time: 60 detail requests against the limit, and 60 file fetches."""
    from esign.sandbox.zapsign import Account

    limited.running.sandbox.zapsign.store.accounts[token] = Account()
    ids = signed_documents(limited, 60, token)
    (tmp_path / "ids").write_text("\n".join(ids) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    code, stderr, seconds = real_time(
        {**zs_env, "ESIGN_API_KEY": token, **env},
        *("doc", "download", "--from", str(tmp_path / "ids"), "-o", f"{out}/", "--jobs", "8"),
    )
    return code, stderr, seconds, out


def test_sixty_requests_at_the_sandboxs_twenty_a_second_meet_no_429(
    limited: SandboxAdmin, zs_env: dict[str, str], tmp_path: Path
) -> None:
    code, stderr, seconds, out = sixty_downloads(
        limited, zs_env, tmp_path, "pacing-token", ESIGN_RATE="20/s"
    )
    assert code == 0, stderr
    assert len(list(out.iterdir())) == 60
    traffic = limited.http.get("/_sandbox/rate").json()
    assert traffic["answered_429"]["zapsign"] == 0
    assert traffic["requests"]["zapsign"] >= 120  # 60 details (paced) and 60 files (not)
    assert seconds >= 59 / 20  # it went no faster than the limit...
    assert seconds < 59 / (20 * HEADROOM) + 3  # ...and not much slower


def test_the_same_job_unpaced_meets_the_sandboxs_429s(
    limited: SandboxAdmin, zs_env: dict[str, str], tmp_path: Path
) -> None:
    """The control: without pacing the job runs into the limit (and its retries get through)."""
    code, stderr, _, out = sixty_downloads(
        limited, zs_env, tmp_path, "unpaced-token", ESIGN_RATE="none", ESIGN_MAX_ATTEMPTS="10"
    )
    assert code == 0, stderr
    assert len(list(out.iterdir())) == 60
    assert limited.http.get("/_sandbox/rate").json()["answered_429"]["zapsign"] > 0


# -- the sandbox's limit ---------------------------------------------------------------------


def test_the_sandbox_rate_is_set_through_the_admin_api_and_checked(sandbox: SandboxAdmin) -> None:
    try:
        state = sandbox.http.put("/_sandbox/rate", json={"zapsign": "3000/m"}).json()
        assert state["limits"] == {"zapsign": "3000/m"}
        assert set(state["answered_429"]) == {"okdokument", "zapsign", "indexhealth"}
        bad = sandbox.http.put("/_sandbox/rate", json={"zapsign": "fast"})
        assert bad.status_code == 400 and "invalid rate" in bad.json()["error"]
        missing = sandbox.http.put("/_sandbox/rate", json={})
        assert missing.status_code == 400
        none = sandbox.http.put("/_sandbox/rate", json={"zapsign": "none"}).json()
        assert none["limits"] == {"zapsign": "none"}
    finally:
        sandbox.http.put("/_sandbox/rate", json={"zapsign": "500/m"}).raise_for_status()


def test_the_sandbox_answers_429_past_the_limit_for_the_rest_of_the_window_and_counts_it(
    limited: SandboxAdmin, zs: Cli
) -> None:
    token = "window-token"
    from esign.sandbox.zapsign import Account

    limited.running.sandbox.zapsign.store.accounts[token] = Account()
    import httpx

    url = f"{limited.zapsign('base_url')}/docs/"
    headers = {"Authorization": f"Bearer {token}"}
    # An hour's window: all 25 fall in it, however slow the machine is today.
    limited.http.put("/_sandbox/rate", json={"zapsign": "20/h"}).raise_for_status()
    responses = [httpx.get(url, headers=headers) for _ in range(25)]
    assert [r.status_code for r in responses] == [200] * 20 + [429] * 5
    wait = int(responses[-1].headers["retry-after"])
    assert 0 < wait <= 3600 and wait == pytest.approx(3600 - time.time() % 3600, abs=2)
    assert limited.http.get("/_sandbox/rate").json()["answered_429"]["zapsign"] == 5
    limited.http.delete("/_sandbox/rate")
    assert limited.http.get("/_sandbox/rate").json()["answered_429"]["zapsign"] == 0


def test_sandbox_serve_refuses_a_rate_it_cannot_read(bare_cli: Cli) -> None:
    result = bare_cli("sandbox", "serve", "--port", "0", "--rate", "speedy")
    assert result.exit_code == 2
    assert "invalid --rate" in result.stderr
