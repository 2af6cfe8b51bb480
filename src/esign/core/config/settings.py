"""Settings resolution: flag > environment > profile > built-in default (ARCHITECTURE.md §2).

Every resolved value remembers where it came from, so `esign auth status` can show it and
error messages can say which knob to turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from esign.core.config import limits
from esign.core.config.catalog import ProviderCatalog, ProviderInfo
from esign.core.config.file import Config, Profile
from esign.core.config.flags import GlobalFlags
from esign.core.config.secret import Secret
from esign.core.errors import UsageError
from esign.core.http.ratelimit import Rate, parse_rate

DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ATTEMPTS = 3

# Secret name per provider, and the environment variable that supplies it.
SECRET_ENV = {"api_key": "ESIGN_API_KEY", "client_secret": "ESIGN_CLIENT_SECRET"}

# Non-secret provider settings a profile may hold, and their environment variables.
PROVIDER_SETTING_ENV = {
    "client_id": "ESIGN_CLIENT_ID",
    "user_email": "ESIGN_USER_EMAIL",
    "user_first_name": "ESIGN_USER_FIRST_NAME",
    "user_last_name": "ESIGN_USER_LAST_NAME",
    "group_name": "ESIGN_GROUP_NAME",
    "fingerprint": "ESIGN_FINGERPRINT",
}

TRUE_WORDS = {"1", "true", "yes", "on"}


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class Settings:
    provider: str
    base_url: str | None
    profile: str | None
    secret: Secret | None
    secret_name: str
    timeout: float
    max_attempts: int
    no_input: bool
    debug: bool
    allow_http: bool
    # The pace set by --rate, ESIGN_RATE or the profile (None: no pacing); unset, the
    # provider's documented limit applies.
    rate: Rate | None = None
    rate_given: bool = False
    provider_settings: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    provider_info: ProviderInfo | None = None


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """The one reading of a boolean environment variable (ESIGN_DEBUG, ESIGN_NO_INPUT):
    1, true, yes or on, in any case; anything else is off."""
    return env.get(name, "").strip().lower() in TRUE_WORDS


def select_profile(
    flags: GlobalFlags, env: Mapping[str, str], config: Config
) -> tuple[str | None, Profile | None, str | None]:
    """The profile this run uses: its name, its config entry, and where the choice came from.
    A profile asked for by name (flag or ESIGN_PROFILE) must exist."""
    if flags.profile:
        name, source = flags.profile, "flag --profile"
    elif env.get("ESIGN_PROFILE"):
        name, source = env["ESIGN_PROFILE"], "env ESIGN_PROFILE"
    elif config.default_profile:
        name, source = config.default_profile, "config (default)"
    else:
        return None, None, None
    profile = config.profiles.get(name)
    if profile is None and source != "config (default)":
        known = ", ".join(sorted(config.profiles)) or "none"
        raise UsageError(
            f"no profile named {name!r} (known profiles: {known})",
            hint="create one with `esign profile add`",
        )
    return name, profile, source


def resolve_settings(
    flags: GlobalFlags, env: Mapping[str, str], config: Config, catalog: ProviderCatalog
) -> Settings:
    sources: dict[str, str] = {}

    # An explicit --profile beats the environment as a whole: aws users were burned for years
    # by ambient keys silently overriding the profile they asked for.
    explicit_profile = flags.profile is not None
    use_env = not explicit_profile

    profile_name, profile, source = select_profile(flags, env, config)
    if source:
        sources["profile"] = source

    def pick(name: str, env_name: str) -> Any:
        if use_env and env.get(env_name):
            sources[name] = f"env {env_name}"
            return env[env_name]
        if profile is not None:
            value = (
                getattr(profile, name, None)
                if name in ("provider", "base_url")
                else profile.settings.get(name)
            )
            if value is not None:
                sources[name] = f"config profile {profile.name}"
                return value
        return None

    provider = pick("provider", "ESIGN_PROVIDER")
    if provider is None:
        raise UsageError(
            "no provider configured",
            hint="set ESIGN_PROVIDER (okdokument, zapsign or indexhealth) with ESIGN_BASE_URL "
            "and ESIGN_API_KEY, or choose a profile with --profile",
        )
    provider = str(provider).strip().lower()
    info = catalog.info(provider)
    if info is None:
        raise UsageError(
            f"unknown provider {provider!r}", hint=f"choose one of {', '.join(catalog.names())}"
        )

    base_url = pick("base_url", "ESIGN_BASE_URL")
    if base_url is not None:
        base_url = str(base_url).rstrip("/")

    secret_name: str = info.credential
    secret: Secret | None = None
    secret_env = SECRET_ENV[secret_name]
    if use_env and env.get(secret_env):
        secret = Secret(env[secret_env])
        sources[secret_name] = f"env {secret_env}"

    if flags.timeout is not None:
        # Checked here too: without Typer's fast coercion (esign.cli._typer.private), the
        # flag's value arrives unchecked for nan.
        timeout = limits.seconds(repr(flags.timeout), "--timeout")
        sources["timeout"] = "flag --timeout"
    elif env.get("ESIGN_TIMEOUT"):
        timeout = limits.seconds(env["ESIGN_TIMEOUT"], "ESIGN_TIMEOUT")
        sources["timeout"] = "env ESIGN_TIMEOUT"
    else:
        timeout, sources["timeout"] = DEFAULT_TIMEOUT, "default"

    if flags.max_attempts is not None:
        attempts, sources["max_attempts"] = flags.max_attempts, "flag --max-attempts"
    elif env.get("ESIGN_MAX_ATTEMPTS"):
        attempts = limits.attempts(env["ESIGN_MAX_ATTEMPTS"], "ESIGN_MAX_ATTEMPTS")
        sources["max_attempts"] = "env ESIGN_MAX_ATTEMPTS"
    else:
        attempts, sources["max_attempts"] = DEFAULT_MAX_ATTEMPTS, "default"

    provider_settings: dict[str, Any] = {}
    for name, env_name in PROVIDER_SETTING_ENV.items():
        value = pick(name, env_name)
        if value is not None:
            provider_settings[name] = value

    allow_http = bool(profile.settings.get("allow_http", False)) if profile else False

    rate: Rate | None = None
    if flags.rate is not None:
        rate, sources["rate"] = parse_rate(flags.rate, "--rate"), "flag --rate"
    else:
        text = pick("rate", "ESIGN_RATE")
        if text is not None:
            where = "ESIGN_RATE" if sources["rate"].startswith("env") else "the profile's rate"
            rate = parse_rate(str(text), where)

    return Settings(
        provider=provider,
        base_url=base_url,
        profile=profile.name if profile else profile_name,
        secret=secret,
        secret_name=secret_name,
        timeout=float(timeout),
        max_attempts=int(attempts),
        no_input=flags.no_input or env_flag(env, "ESIGN_NO_INPUT"),
        debug=flags.debug or env_flag(env, "ESIGN_DEBUG"),
        allow_http=allow_http,
        rate=rate,
        rate_given="rate" in sources,
        provider_settings=provider_settings,
        sources=sources,
        provider_info=info,
    )
