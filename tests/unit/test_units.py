"""Pure functions: parsing, redaction, naming, settings precedence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from esign.core.config.file import Config, Profile, load_config
from esign.core.config.flags import GlobalFlags
from esign.core.config.secret import Secret
from esign.core.config.settings import resolve_settings
from esign.core.errors import UsageError
from esign.core.files.download import filename_from_disposition, safe_filename
from esign.core.http.client import encode_segment, parse_retry_after
from esign.core.models import from_epoch_ms, iso_utc
from esign.core.output.streams import color_allowed
from esign.core.redact import REDACTED, excerpt, redact_body, redact_json, redact_url, scrub
from esign.core.when import parse_duration, parse_when
from esign.providers.okdokument.wire import _server_local_time
from esign.providers.registry import REGISTRY

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", NOW + timedelta(days=7)),
        ("+36h", NOW + timedelta(hours=36)),
        ("90m", NOW + timedelta(minutes=90)),
        ("2026-12-31", datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2026-12-31T18:00:00Z", datetime(2026, 12, 31, 18, tzinfo=UTC)),
        ("2026-12-31T18:00:00+02:00", datetime(2026, 12, 31, 16, tzinfo=UTC)),
        ("2026-12-31T18:00:00", datetime(2026, 12, 31, 18, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "2026-01-01", "12345", "-5d", ""])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_when(text, now=NOW)


def test_parse_duration() -> None:
    assert parse_duration("90") == timedelta(seconds=90)
    assert parse_duration("1w") == timedelta(weeks=1)
    with pytest.raises(UsageError):
        parse_duration("soon")


def test_retry_after_forms() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now) == 10.0
    assert parse_retry_after("Thu, 01 Jan 2026 06:00:00 GMT", now) == 60.0  # capped
    assert parse_retry_after("-4", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_encode_segment() -> None:
    assert encode_segment("../x") == "..%2Fx"
    assert encode_segment("..") == "%2E%2E"
    assert encode_segment("a?b#c") == "a%3Fb%23c"
    assert encode_segment("100%") == "100%25"
    for bad in ("", " ", "a\nb", "\x7f"):
        with pytest.raises(UsageError):
            encode_segment(bad)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("contract.pdf", "contract.pdf"),
        ("../../etc/passwd", "passwd"),
        ("/abs/path/x.pdf", "x.pdf"),
        ("C:\\Windows\\evil.pdf", "evil.pdf"),
        ("..", None),
        ("...", None),
        (".hidden.pdf", "hidden.pdf"),
        ("bad\x00\x1b[31mname.pdf", "bad[31mname.pdf"),
        ("line\nbreak.pdf", "linebreak.pdf"),
        ("", None),
        (None, None),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),  # 255 bytes, the file systems' limit
        ("é" * 200 + ".pdf", "é" * 125 + ".pdf"),  # cut by bytes, never inside a character
    ],
)
def test_safe_filename(name: str | None, expected: str | None) -> None:
    assert safe_filename(name) == expected


def test_filename_from_disposition() -> None:
    assert filename_from_disposition('attachment; filename="a b.pdf"') == "a b.pdf"
    assert (
        filename_from_disposition("attachment; filename=x.pdf; filename*=UTF-8''%C3%BA%C4%8D.pdf")
        == "úč.pdf"
    )
    assert (
        filename_from_disposition("attachment; filename*=UTF-8''%C3%BA.pdf; filename=x.pdf")
        == "ú.pdf"
    )
    assert filename_from_disposition("inline") is None
    assert filename_from_disposition(None) is None


def test_redaction() -> None:
    assert redact_url("https://s3/x.pdf?X-Amz-Signature=abc&X-Amz-Expires=60").count(REDACTED) == 1
    assert "user" not in redact_url("https://user:pw@host/x")
    data = redact_json(
        {"api_key": "k", "client_secret": "s", "name": "n", "nested": [{"token": "t"}]}
    )
    assert data == {
        "api_key": REDACTED,
        "client_secret": REDACTED,
        "name": "n",
        "nested": [{"token": REDACTED}],
    }
    assert redact_body(b"%PDF-1.7 binary", "application/pdf") == "<15 bytes of application/pdf>"


def test_redaction_shows_flags_and_structures_under_secret_like_names() -> None:
    # ZapSign's signature_order_active, OKdokument's allowedFields.SIGNATURE and openOtpEmail:
    # settings a --debug reader needs, not secrets.
    body = {
        "signature_order_active": True,
        "openOtpEmail": False,
        "allowedFields": {"SIGNATURE": ["_SO2_"], "nested": {"token": "t0k"}},
        "otp": 123456,
        "api_token": None,
    }
    assert redact_json(body) == {
        "signature_order_active": True,
        "openOtpEmail": False,
        "allowedFields": {"SIGNATURE": ["_SO2_"], "nested": {"token": REDACTED}},
        "otp": REDACTED,
        "api_token": None,
    }


def test_redaction_masks_every_leaf_under_a_secret_name() -> None:
    # Under a secret-like name, a list or an object holds secrets too: every string and
    # number is masked, however deep; flags and the shape stay.
    body = {
        "tokens": ["tok_live_ABC123xyz", {"value": "v", "active": True}],
        "credentials": {"value": "hunter2pass", "pin": 4321, "expired": None},
    }
    assert redact_json(body) == {
        "tokens": [REDACTED, {"value": REDACTED, "active": True}],
        "credentials": {"value": REDACTED, "pin": REDACTED, "expired": None},
    }


def test_scrub_masks_the_forms_a_secret_is_shown_in() -> None:
    secret = "k3y_abcdef\r\nX-Injected: 1"
    shown = [
        f"as is: {secret}",
        f"trimmed: {secret.strip()}",
        f"str repr: {secret!r}",
        f"bytes repr: {secret.encode()!r}",
        f"json: {json.dumps(secret)}",
    ]
    for text in shown:
        masked = scrub(text, [secret])
        assert "k3y_abcdef" not in masked, masked
        assert REDACTED in masked
    assert scrub("nothing secret here", [secret, ""]) == "nothing secret here"


def test_excerpt_of_a_plain_text_answer() -> None:
    page = "<html><head><style>p{}</style></head><body><h1>Bad   gateway</h1></body></html>"
    assert excerpt(page) == "Bad gateway"
    assert excerpt("   ") is None


def test_secret_never_prints_itself() -> None:
    secret = Secret("super-secret-value")
    assert "super" not in repr(secret) and "super" not in str(secret)
    assert "super" not in f"{secret}" and "super" not in f"{[secret]}"
    assert secret.reveal() == "super-secret-value"
    assert secret.masked() == "supe…ue"


def test_timestamps() -> None:
    assert iso_utc(from_epoch_ms("1702288000000")) == "2023-12-11T09:46:40Z"
    # One form for every timestamp: to the second, whatever the provider's precision.
    assert iso_utc(from_epoch_ms(1702288000123)) == "2023-12-11T09:46:40Z"
    assert from_epoch_ms("not a number") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # The spec's form, read as Bratislava local time: CET in winter, CEST in summer.
        ("2019-03-15 14:07:41", "2019-03-15T13:07:41Z"),
        ("2019-07-01 12:00:00", "2019-07-01T10:00:00Z"),
        # Not in the spec, accepted anyway: the ISO "T", and an offset taken at its word.
        ("2019-07-01T12:00:00", "2019-07-01T10:00:00Z"),
        ("2019-07-01T12:00:00+00:00", "2019-07-01T12:00:00Z"),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_okdokument_modification_is_bratislava_time(value: object, expected: str | None) -> None:
    assert iso_utc(_server_local_time(value)) == expected


def test_color_rules() -> None:
    assert color_allowed({}, True) is True
    assert color_allowed({}, False) is False
    assert color_allowed({"NO_COLOR": ""}, True) is False
    assert color_allowed({"TERM": "dumb"}, True) is False


# -- settings precedence (ARCHITECTURE.md §2) -----------------------------------------


def config(tmp_path: Path) -> Config:
    return Config(
        path=tmp_path / "config.toml",
        default_profile="prod",
        profiles={
            "prod": Profile("prod", "okdokument", "https://api.okdokument.com/JSON"),
            "dev": Profile(
                "dev", "okdokument", "https://apidev.okdokument.com/JSON", {"allow_http": False}
            ),
        },
    )


def test_flag_beats_env_beats_profile_beats_default(tmp_path: Path) -> None:
    env = {
        "ESIGN_BASE_URL": "https://env.example/JSON",
        "ESIGN_TIMEOUT": "12",
        "ESIGN_API_KEY": "envkey",
    }
    settings = resolve_settings(GlobalFlags(timeout=5), env, config(tmp_path), REGISTRY)
    assert settings.profile == "prod"
    assert settings.base_url == "https://env.example/JSON"
    assert settings.sources["base_url"] == "env ESIGN_BASE_URL"
    assert settings.timeout == 5 and settings.sources["timeout"] == "flag --timeout"
    assert settings.max_attempts == 3 and settings.sources["max_attempts"] == "default"
    assert settings.secret == Secret("envkey")


def test_explicit_profile_flag_ignores_the_environment(tmp_path: Path) -> None:
    env = {
        "ESIGN_PROFILE": "prod",
        "ESIGN_BASE_URL": "https://env.example/JSON",
        "ESIGN_API_KEY": "ambient-key",
    }
    settings = resolve_settings(GlobalFlags(profile="dev"), env, config(tmp_path), REGISTRY)
    assert settings.profile == "dev"
    assert settings.base_url == "https://apidev.okdokument.com/JSON"
    assert settings.secret is None  # the ambient key must not leak into --profile dev


def test_env_profile_picks_profile_and_env_overrides_fields(tmp_path: Path) -> None:
    env = {"ESIGN_PROFILE": "dev", "ESIGN_API_KEY": "k"}
    settings = resolve_settings(GlobalFlags(), env, config(tmp_path), REGISTRY)
    assert settings.profile == "dev" and settings.sources["profile"] == "env ESIGN_PROFILE"
    assert settings.secret == Secret("k")


def test_unknown_profile_and_provider(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no profile named 'nope'"):
        resolve_settings(GlobalFlags(profile="nope"), {}, config(tmp_path), REGISTRY)
    with pytest.raises(UsageError, match="unknown provider"):
        resolve_settings(GlobalFlags(), {"ESIGN_PROVIDER": "docusign"}, Config(tmp_path), REGISTRY)
    with pytest.raises(UsageError, match="ESIGN_TIMEOUT"):
        resolve_settings(
            GlobalFlags(),
            {"ESIGN_PROVIDER": "okdokument", "ESIGN_TIMEOUT": "x"},
            Config(tmp_path),
            REGISTRY,
        )


def test_load_config_reads_profiles(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        'default_profile = "sb"\n[profiles.sb]\nprovider = "okdokument"\n'
        'base_url = "http://127.0.0.1:8765/okdokument/JSON"\n'
    )
    loaded = load_config({"ESIGN_CONFIG_DIR": str(tmp_path)})
    assert loaded.default_profile == "sb"
    assert loaded.profiles["sb"].base_url == "http://127.0.0.1:8765/okdokument/JSON"
    (tmp_path / "config.toml").write_text("not = [valid")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_config({"ESIGN_CONFIG_DIR": str(tmp_path)})


def test_scrub_masks_a_secret_whole_when_another_secret_is_part_of_it() -> None:
    long_secret, short_secret = "SEKRET-abcdef-0123456789", "abcdef"
    shown = scrub(f"invalid key: {long_secret}", [short_secret, long_secret])
    assert shown == f"invalid key: {REDACTED}"


def test_a_secret_a_provider_obtains_is_masked_everywhere_from_then_on() -> None:
    from esign.core.redact import scrub
    from esign.providers.base import Provider

    token = "exchanged-token-" + "7" * 24
    assert scrub(f"oops: {token}") == f"oops: {token}"  # not known yet
    held = Provider.obtained_secret(object.__new__(Provider), token)
    assert str(held) == "Secret('****')"
    assert token not in scrub(f"oops: {token} and {token[:20]}...")
