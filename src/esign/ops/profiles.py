"""Profiles and their credentials: what `esign profile ...` and `esign auth ...` do."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from esign.core.config.catalog import ProviderInfo
from esign.core.config.credentials import CredentialStoreError, Removal
from esign.core.config.file import Config, Profile, update_config
from esign.core.config.secret import Secret
from esign.core.config.settings import PROVIDER_SETTING_ENV, SECRET_ENV, Settings
from esign.core.context import AppContext
from esign.core.errors import AuthError, UsageError
from esign.core.http.client import mask_query, validate_base_url
from esign.core.models import Outcome, Record, Records

PROFILE_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def provider_info(name: str) -> ProviderInfo:
    """A provider esign knows (built in or a plug-in), or exit 2 listing them."""
    from esign.providers.registry import REGISTRY

    info = REGISTRY.info(name.strip().lower())
    if info is None:
        raise UsageError(f"unknown provider {name!r}", hint=f"one of {', '.join(REGISTRY.names())}")
    return info


def default_base_url(provider: str) -> str | None:
    from esign.providers.registry import REGISTRY

    info = REGISTRY.info(provider)
    return info.default_base_url if info else None


@dataclass(frozen=True)
class ProfileSpec:
    name: str
    provider: str
    base_url: str | None = None
    make_default: bool = False
    allow_http: bool = False
    replace: bool = False
    settings: dict[str, str] = field(default_factory=dict)


def check_name(name: str) -> str:
    if not name or not set(name) <= PROFILE_NAME_CHARS or name.startswith("."):
        raise UsageError(
            f"invalid profile name {name!r}", hint="use letters, digits, '-', '_' and '.'"
        )
    return name


def add_profile(app: AppContext, spec: ProfileSpec) -> Record:
    check_name(spec.name)
    info = provider_info(spec.provider)
    provider = info.name
    if spec.base_url:
        validate_base_url(spec.base_url, allow_http=spec.allow_http)
    elif info.default_base_url is None:
        raise UsageError(f"{info.title} has no public API host: give --base-url")
    unknown = set(spec.settings) - set(PROVIDER_SETTING_ENV)
    if unknown:
        raise UsageError(f"unknown profile setting {sorted(unknown)[0]!r}")

    def change(data: dict[str, Any]) -> None:
        profiles = data.setdefault("profiles", {})
        if spec.name in profiles and not spec.replace:
            raise UsageError(
                f"profile {spec.name!r} already exists", hint="add --force to replace it"
            )
        body: dict[str, Any] = {"provider": provider}
        if spec.base_url:
            body["base_url"] = spec.base_url.rstrip("/")
        if spec.allow_http:
            body["allow_http"] = True
        body.update({k: v for k, v in spec.settings.items() if v})
        profiles[spec.name] = body
        if spec.make_default or not data.get("default_profile"):
            data["default_profile"] = spec.name

    config = update_config(app.env, change)
    return show_profile(app, spec.name, config)


def _shown_url(url: str | None) -> str | None:
    """A base URL to print: a query is refused at use, but one written into config.toml by
    hand may hold a key, so its values are masked."""
    return mask_query(url) if url else url


def list_profiles(app: AppContext) -> Records:
    config = app.config
    rows = [
        {
            "name": p.name,
            "provider": p.provider,
            "base_url": _shown_url(p.base_url or default_base_url(p.provider)),
            "default": p.name == config.default_profile,
        }
        for p in sorted(config.profiles.values(), key=lambda p: p.name)
    ]
    return Records(
        "Profiles", ["name", "provider", "base_url", "default"], rows, empty="No profiles."
    )


def _profile(config: Config, name: str) -> Profile:
    profile = config.profiles.get(name)
    if profile is None:
        known = ", ".join(sorted(config.profiles)) or "none"
        raise UsageError(f"no profile named {name!r} (known profiles: {known})")
    return profile


def show_profile(app: AppContext, name: str, config: Config | None = None) -> Record:
    config = config or app.config
    profile = _profile(config, name)
    fields: dict[str, Any] = {
        "name": profile.name,
        "provider": profile.provider,
        "base_url": _shown_url(profile.base_url or default_base_url(profile.provider)),
        "default": profile.name == config.default_profile,
        **dict(profile.settings),
    }
    if isinstance(fields.get("proxy"), str):
        from esign.core.http.network import mask_proxy

        fields["proxy"] = mask_proxy(fields["proxy"])
    return Record(f"Profile {profile.name}", fields)


# Settings `esign profile set` may change, with what each must be. Provider settings
# (IndexHealth's client and user fields) are strings.
SETTABLE_KEYS = {
    "base_url": "the provider's API base URL",
    "allow_http": "true or false: allow plain http:// to a non-loopback host",
    "proxy": "proxy URL for this profile's requests ('' for none)",
    "ca_bundle": "PEM file of CA certificates to trust instead of the system's store",
    "rate": "pace of API requests, e.g. 500/m or 20/s (none: no pacing)",
    **{key: f"IndexHealth {key.replace('_', ' ')}" for key in PROVIDER_SETTING_ENV},
}


def _checked_value(profile: Profile, key: str, value: str) -> Any:
    import os

    from esign.core.http.network import parse_proxy

    if key not in SETTABLE_KEYS:
        raise UsageError(
            f"unknown profile setting {key!r}", hint=f"one of {', '.join(sorted(SETTABLE_KEYS))}"
        )
    if key == "allow_http":
        word = value.strip().lower()
        if word not in ("true", "false"):
            raise UsageError(f"allow_http must be true or false, got {value!r}")
        return word == "true"
    if key == "base_url":
        allow_http = profile.settings.get("allow_http") is True
        return validate_base_url(value, allow_http=allow_http)
    if key == "proxy":
        if not value.strip():
            return ""
        proxy = parse_proxy(value, "the proxy")
        if proxy.password is not None:
            raise UsageError(
                "the proxy URL holds a password, and config.toml never holds secrets",
                hint="give the authenticated proxy in the environment instead (HTTPS_PROXY "
                "or ESIGN_PROXY), e.g. from your CI's secret store",
            )
        return proxy.url
    if key == "rate":
        from esign.core.http.ratelimit import parse_rate

        parse_rate(value, "rate")  # checked now, kept as written
        return value.strip()
    if key == "ca_bundle":
        path = os.path.abspath(os.path.expanduser(value))
        if not os.path.exists(path):
            raise UsageError(f"{path} does not exist", hint="give a PEM file of CA certificates")
        return path
    return value


def set_profile_value(app: AppContext, name: str, key: str, value: str) -> Record:
    """One setting of a profile, checked before it is written."""
    checked = _checked_value(_profile(app.config, name), key, value)

    def change(data: dict[str, Any]) -> None:
        data.get("profiles", {}).get(name, {})[key] = checked

    return show_profile(app, name, update_config(app.env, change))


def unset_profile_value(app: AppContext, name: str, key: str) -> Record:
    if key not in SETTABLE_KEYS:
        raise UsageError(
            f"unknown profile setting {key!r}", hint=f"one of {', '.join(sorted(SETTABLE_KEYS))}"
        )
    _profile(app.config, name)

    def change(data: dict[str, Any]) -> None:
        data.get("profiles", {}).get(name, {}).pop(key, None)

    return show_profile(app, name, update_config(app.env, change))


def use_profile(app: AppContext, name: str) -> Record:
    _profile(app.config, name)

    def change(data: dict[str, Any]) -> None:
        data["default_profile"] = name

    return show_profile(app, name, update_config(app.env, change))


def remove_profile(app: AppContext, name: str) -> Outcome[Record]:
    _profile(app.config, name)
    removal = app.credentials.remove_profile(name)

    def change(data: dict[str, Any]) -> None:
        data.get("profiles", {}).pop(name, None)
        if data.get("default_profile") == name:
            data.pop("default_profile")

    update_config(app.env, change)
    record = Record(
        f"Removed profile {name}",
        {
            "name": name,
            "removed": True,
            "secrets_removed": removal.names,
            "keyring_checked": removal.keyring_checked,
        },
    )
    return Outcome(record, notes=_unchecked(removal))


def _unchecked(removal: Removal) -> list[str]:
    if removal.keyring_checked:
        return []
    return [
        "note: no keyring here to check; a secret this profile stored in a desktop "
        "session's keyring was not removed (run the command there to remove it)"
    ]


def write_sandbox_profiles(
    app: AppContext, credentials: dict[str, dict[str, str]], *, insecure: bool
) -> list[str]:
    """`sandbox-<provider>` profiles for a running sandbox, their demo secrets stored."""
    written = []
    for provider, info in credentials.items():
        name = f"sandbox-{provider}"
        settings = {
            k: v for k, v in info.items() if k in PROVIDER_SETTING_ENV and isinstance(v, str)
        }

        def change(
            data: dict[str, Any],
            name: str = name,
            provider: str = provider,
            info: dict[str, str] = info,
            settings: dict[str, str] = settings,
        ) -> None:
            data.setdefault("profiles", {})[name] = {
                "provider": provider,
                "base_url": info["base_url"],
                **settings,
            }
            data.setdefault("default_profile", name)

        update_config(app.env, change)
        secret_name = provider_info(provider).credential
        app.credentials.store(name, secret_name, info[secret_name], insecure=insecure)
        with contextlib.suppress(CredentialStoreError):
            app.credentials.keyring.delete(name, "access_token")
        written.append(name)
    return written


# -- auth ---------------------------------------------------------------------------------


def login_profile(app: AppContext) -> tuple[str, str]:
    """The profile `auth` commands act on, and its secret's name."""
    settings_profile = (
        app.flags.profile or app.env.get("ESIGN_PROFILE") or app.config.default_profile
    )
    if not settings_profile:
        raise UsageError(
            "no profile to log in to", hint="create one with `esign profile add` or give --profile"
        )
    profile = _profile(app.config, settings_profile)
    return profile.name, provider_info(profile.provider).credential


def login(app: AppContext, secret: str, *, insecure: bool, verify: bool = True) -> Record:
    from esign.core.redact import remember

    remember(secret)  # whatever fails from here on, the typed secret is never shown
    remember(secret.strip())
    name, secret_name = login_profile(app)
    value = secret.strip()
    if not value:
        raise UsageError("the secret is empty")
    if verify:
        verify_secret(app, value, secret_name.replace("_", " "))
    where = app.credentials.store(name, secret_name, value, insecure=insecure)
    # A new secret invalidates an exchanged token cached for the old one.
    for store in (app.credentials.file, app.credentials.keyring):
        with contextlib.suppress(CredentialStoreError):
            store.delete(name, "access_token")
    if insecure:
        app.output.warn(f"the secret is stored unencrypted in {app.credentials.file.path}")
    return Record(
        f"Logged in to profile {name}",
        {"profile": name, "secret": secret_name, "stored_in": where},
    )


def verify_secret(app: AppContext, value: str, label: str) -> None:
    """One cheap authenticated call with the new secret before it is stored (as `gh auth
    login` does): a rejected secret is exit 4 and nothing is stored."""
    from esign.core.config.secret import Secret
    from esign.core.errors import AuthError, EsignError
    from esign.ops.provider import provider_for

    settings = app.settings
    before = settings.secret
    settings.secret = Secret(value)
    try:
        provider_for(app).check_credentials()
    except AuthError as err:
        err.message = f"the {label} was not stored: {err.message}"
        err.hint = "check the secret you gave (--no-verify stores it unchecked)"
        raise
    except EsignError as err:
        err.message = f"the {label} could not be checked, so it was not stored: {err.message}"
        err.hint = "fix the cause, or store it unchecked with --no-verify"
        raise
    finally:
        settings.secret = before


def logout(app: AppContext) -> Outcome[Record]:
    name, _ = login_profile(app)
    removal = app.credentials.remove_profile(name)
    record = Record(
        f"Logged out of profile {name}",
        {
            "profile": name,
            "secrets_removed": removal.names,
            "keyring_checked": removal.keyring_checked,
        },
    )
    return Outcome(record, notes=_unchecked(removal))


def token(app: AppContext) -> Secret:
    secret = app.load_secret()
    if secret is None:
        raise missing_secret(app)
    return secret


def missing_secret(app: AppContext) -> AuthError:
    settings = app.settings
    env = SECRET_ENV[settings.secret_name]
    target = f" --profile {settings.profile}" if settings.profile else ""
    return AuthError(
        f"no {settings.secret_name.replace('_', ' ')} for "
        + (f"profile {settings.profile!r}" if settings.profile else settings.provider),
        hint=f"run `esign auth login{target}` or set {env}",
    )


def _rate_row(settings: Settings) -> tuple[str, str, str | None]:
    if settings.rate_given:
        shown = str(settings.rate) if settings.rate else "none (not paced)"
        return "rate", shown, settings.sources.get("rate")
    from esign.providers.registry import provider_class

    documented = provider_class(settings.provider).documented_rate
    if documented is None:
        return "rate", "none (no documented limit)", "default"
    return "rate", str(documented), "default (the provider's documented limit)"


def status(app: AppContext) -> tuple[Record, bool]:
    """Every setting with its source, secrets masked. Returns the record and whether the
    credential is present."""
    settings = app.settings
    rows: dict[str, Any] = {}

    def row(key: str, value: Any, source: str | None) -> None:
        rows[key] = {"value": value, "source": source or "default"}

    row("profile", settings.profile, settings.sources.get("profile"))
    row("provider", settings.provider, settings.sources.get("provider"))
    row(
        "base_url",
        _shown_url(settings.base_url or default_base_url(settings.provider)),
        settings.sources.get("base_url"),
    )
    row("timeout", settings.timeout, settings.sources.get("timeout"))
    row("max_attempts", settings.max_attempts, settings.sources.get("max_attempts"))
    row(*_rate_row(settings))
    for key, value in settings.provider_settings.items():
        row(key, value, settings.sources.get(key))
    network = app.network
    proxies = network.proxies()
    if network.proxy_disabled:
        row("proxy", None, "disabled (empty --proxy / ESIGN_PROXY / profile proxy)")
    elif not proxies:
        row("proxy", None, "none (no proxy variables set)")
    for proxy in proxies:
        key = "proxy" if network.explicit_proxy else f"proxy ({proxy.source})"
        row(key, proxy.shown, proxy.source)
    if network.no_proxy.entries:
        row("no_proxy", ",".join(network.no_proxy.entries), "env NO_PROXY")
    trust_source = network.ca_bundle_source or (
        "env SSL_CERT_FILE / SSL_CERT_DIR" if network.cert_file or network.cert_dir else "default"
    )
    row("tls_trust", network.trust_source(), trust_source)
    present = False
    try:
        secret = app.load_secret()
        present = secret is not None
        row(
            settings.secret_name,
            secret.masked() if secret else None,
            settings.sources.get(settings.secret_name) if secret else "missing",
        )
    except CredentialStoreError as err:
        row(settings.secret_name, None, f"unavailable: {err.message}")
    if settings.sources.get(settings.secret_name, "").startswith("env"):
        backend = "not used (the environment supplies the credential)"
    else:
        try:
            backend = app.credentials.keyring.backend_name()
        except CredentialStoreError as err:
            backend = f"unusable: {err.message}"
    rows["keyring_backend"] = {"value": backend, "source": "keyring"}
    return Record("Authentication status", rows), present
