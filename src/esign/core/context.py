"""The one object commands get their dependencies from (gh's Factory + IOStreams).

Built lazily: `esign --help` never resolves settings or opens an HTTP session. Tests pass
`ContextOverrides` (as Typer's `obj`) to swap the streams, environment or clock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from esign.core.config.flags import GlobalFlags
from esign.core.config.settings import SECRET_ENV, Settings, env_flag, resolve_settings
from esign.core.output.streams import IOStreams

if TYPE_CHECKING:
    from esign.core.config.catalog import ProviderCatalog
    from esign.core.config.credentials import Credentials, TokenCache
    from esign.core.config.file import Config
    from esign.core.config.secret import Secret
    from esign.core.http.client import AuthHook, HttpClient
    from esign.core.http.network import Network
    from esign.core.http.ratelimit import Rate, RateLimiter
    from esign.core.output.render import Output


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class ContextOverrides:
    streams: IOStreams | None = None
    env: Mapping[str, str] | None = None
    sleep: Callable[[float], None] | None = None
    force_tty: bool | None = None  # pretend the process's streams are (not) terminals
    keyring: Any = None  # a keyring backend object to use instead of the system's
    clock: Callable[[], float] | None = None


@dataclass(eq=False, repr=False)  # not a value: start-up skips generating both
class AppContext:
    flags: GlobalFlags
    env: Mapping[str, str]
    streams: IOStreams
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    # What the rate limiter paces by: never set back by a change of the wall clock.
    monotonic: Callable[[], float] = time.monotonic
    keyring_backend: Any = None
    # The providers esign knows (esign.providers.registry), handed in by the command layer:
    # core never imports the providers.
    catalog: ProviderCatalog | None = None
    _settings: Settings | None = field(default=None, init=False)
    _credentials: Credentials | None = field(default=None, init=False)
    _config: Config | None = field(default=None, init=False)
    _network: Network | None = field(default=None, init=False)
    _clients: list[HttpClient] = field(default_factory=list, init=False)
    _limiter: RateLimiter | None = field(default=None, init=False)

    @classmethod
    def create(
        cls,
        flags: GlobalFlags,
        overrides: ContextOverrides | None,
        catalog: ProviderCatalog | None = None,
    ) -> AppContext:
        overrides = overrides or ContextOverrides()
        env = overrides.env if overrides.env is not None else dict(os.environ)
        streams = overrides.streams or IOStreams.from_system(env, force_tty=overrides.force_tty)
        return cls(
            flags=flags,
            env=env,
            streams=streams,
            sleep=overrides.sleep or time.sleep,
            clock=overrides.clock or time.time,
            monotonic=overrides.clock or time.monotonic,
            keyring_backend=overrides.keyring,
            catalog=catalog,
        )

    @property
    def output(self) -> Output:
        from esign.core.output.render import Output

        flags = self.flags
        return Output.choose(
            self.streams,
            output=flags.format,
            raw=flags.raw,
            quiet=flags.quiet,
            fields=flags.json_fields,
            jq=flags.jq,
            # --jq alone implies JSON output, not JSON errors: those follow --json / --output.
            explicit=flags.json or flags.output is not None,
            conflict=flags.format_conflict,
        )

    @property
    def debug(self) -> bool:
        return self.flags.debug or env_flag(self.env, "ESIGN_DEBUG")

    @property
    def interactive(self) -> bool:
        """May we prompt? Not under --no-input / ESIGN_NO_INPUT, and only with a terminal."""
        no_input = self.flags.no_input or env_flag(self.env, "ESIGN_NO_INPUT")
        return not no_input and self.streams.stdin_is_tty and self.streams.stderr_is_tty

    @property
    def config(self) -> Config:
        if self._config is None:
            from esign.core.config.file import load_config

            self._config = load_config(self.env)
        return self._config

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            if self.catalog is None:  # pragma: no cover - every command layer passes one
                raise RuntimeError("AppContext has no provider catalog")
            self._settings = resolve_settings(self.flags, self.env, self.config, self.catalog)
        return self._settings

    @property
    def network(self) -> Network:
        """Proxies and TLS trust: flags, ESIGN_*, the profile, then the standard variables."""
        if self._network is None:
            from esign.core.config.settings import select_profile
            from esign.core.http.network import resolve_network

            name, profile, _source = select_profile(self.flags, self.env, self.config)
            self._network = resolve_network(
                self.env,
                flag_proxy=self.flags.proxy,
                flag_ca_bundle=self.flags.ca_bundle,
                profile_settings=profile.settings if profile else None,
                profile_name=name,
                profile_first=self.flags.profile is not None,
            )
        return self._network

    @property
    def credentials(self) -> Credentials:
        if self._credentials is None:
            from esign.core.config.credentials import (
                Credentials,
                FileStore,
                KeyringStore,
                insecure_file_path,
            )
            from esign.core.config.file import config_lock

            self._credentials = Credentials(
                KeyringStore(self.keyring_backend),
                FileStore(insecure_file_path(self.env), lambda: config_lock(self.env)),
                warn=self.output.warn,
            )
        return self._credentials

    def load_secret(self) -> Secret | None:
        """The profile's secret: from the environment (already in settings), else from the
        insecure file or the keyring; remembered with its source."""
        settings = self.settings
        if settings.secret is not None or settings.profile is None:
            return settings.secret
        from esign.core.config.secret import Secret

        value, source = self.credentials.lookup(settings.profile, settings.secret_name)
        if value:
            settings.secret = Secret(value)
            settings.sources[settings.secret_name] = source
        return settings.secret

    def rate_limiter(self, documented: Rate | None = None) -> RateLimiter:
        """The one limiter of this process: every request to the provider's API shares it.
        Paced by --rate, ESIGN_RATE or the profile's rate, else by the provider's documented
        limit (`documented`), else not at all."""
        if self._limiter is None:
            from esign.core.http.ratelimit import RateLimiter

            settings = self.settings
            if not settings.rate_given and documented is not None:
                settings.sources["rate"] = "default (the provider's documented limit)"
            limit = settings.rate if settings.rate_given else documented
            self._limiter = RateLimiter(limit, clock=self.monotonic, sleep=self.sleep)
        return self._limiter

    def http_client(
        self, base_url: str, auth: AuthHook | None, documented_rate: Rate | None = None
    ) -> HttpClient:
        from esign.core.http.client import HttpClient, Tracer

        settings = self.settings
        tracer = Tracer(self.streams.stderr, self.known_secrets) if self.debug else None
        client = HttpClient(
            base_url,
            timeout=settings.timeout,
            max_attempts=settings.max_attempts,
            auth=auth,
            tracer=tracer,
            allow_http=settings.allow_http,
            network=self.network,
            sleep=self.sleep,
            clock=self.clock,
            limiter=self.rate_limiter(documented_rate),
        )
        self._clients.append(client)
        return client

    def plain_http_client(self, base_url: str) -> HttpClient:
        """A session without provider settings or credentials (the sandbox's admin API)."""
        from esign.core.http.client import HttpClient, Tracer

        client = HttpClient(
            base_url,
            timeout=self.flags.timeout or 30.0,
            max_attempts=self.flags.max_attempts or 3,
            tracer=Tracer(self.streams.stderr, self.known_secrets) if self.debug else None,
            network=self.network,
            sleep=self.sleep,
            clock=self.clock,
        )
        self._clients.append(client)
        return client

    def known_secrets(self) -> list[str]:
        """Every secret this process could hold, for scrubbing text it writes."""
        found = [self.env[name] for name in SECRET_ENV.values() if self.env.get(name)]
        from esign.core.http.network import proxy_passwords

        # Proxy passwords, from where they are given (even before they are resolved) and
        # from the resolved settings (a profile's proxy).
        found.extend(proxy_passwords(self.env, self.flags.proxy))
        if self._network is not None:
            found.extend(self._network.secrets())
        if self._settings is not None and self._settings.secret:
            found.append(self._settings.secret.reveal())
        # Secrets obtained at run time (exchanged tokens) are Secret objects too: redaction
        # (esign.core.redact) learned each one when it was made.
        return found

    def token_cache(self) -> TokenCache | None:
        """Where an exchanged token may be kept across runs: beside the profile's secret.
        None (memory only) when the secret came from the environment: CI has no keyring."""
        from esign.core.config.credentials import TokenCache

        settings = self.settings
        source = settings.sources.get(settings.secret_name, "")
        if settings.profile is None or not source.startswith(("keyring", "file")):
            return None
        store = self.credentials.file if source.startswith("file") else self.credentials.keyring
        return TokenCache(store, settings.profile)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
