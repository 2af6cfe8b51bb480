"""How this machine reaches the network: proxies and TLS trust (ARCHITECTURE.md §6).

Proxies are chosen as curl and httpx users expect: `--proxy` / `ESIGN_PROXY` / a profile's
`proxy` key when given (an empty value means "no proxy"), else `HTTPS_PROXY` / `HTTP_PROXY` /
`ALL_PROXY` by the target's scheme (lower case first, as curl reads them), and `NO_PROXY`
exempts hosts from either. TLS is verified against the operating system's trust store
(truststore, as pip does); `--ca-bundle` / `ESIGN_CA_BUNDLE` / a profile's `ca_bundle`, then
`SSL_CERT_FILE` / `SSL_CERT_DIR`, replace it with a bundle of the user's choosing, as curl's
`--cacert` does. Nothing here turns verification off.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from esign.core.errors import UsageError

if TYPE_CHECKING:
    import ssl

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
DEFAULT_PORTS = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


@dataclass(frozen=True)
class Proxy:
    """A proxy URL, checked; `shown` is safe to print (its password masked)."""

    url: str
    source: str

    @property
    def shown(self) -> str:
        return mask_proxy(self.url)

    @property
    def host_port(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.hostname}:{parts.port or DEFAULT_PORTS[parts.scheme]}"

    @property
    def password(self) -> str | None:
        return urlsplit(self.url).password


def mask_proxy(url: str) -> str:
    """`http://user:pass@proxy:3128` -> `http://user:****@proxy:3128`. Read as text, up to
    the last `@`: a password with an unescaped `/`, `?` or `#` (`bob:Tr0ub/3#x@proxy`)
    would end a URL parser's netloc early and leave the password in the path."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "", url
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{separator}{user}:****@{host}"


def _password(url: str) -> str | None:
    """The password in a proxy URL, read as mask_proxy reads it."""
    rest = url.partition("://")[2] or url
    userinfo, at, _host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return None
    return userinfo.split(":", 1)[1] or None


def parse_proxy(value: str, source: str) -> Proxy:
    """A proxy URL as curl takes it: no scheme means http://."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)  # raises for an unclosed IPv6 bracket
        parts.port  # noqa: B018 - raises for a port that is not a number in range
        valid = True
    except ValueError:
        parts = urlsplit("")
        valid = False
    if (
        not valid
        or parts.scheme not in PROXY_SCHEMES
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text)
    ):
        raise UsageError(
            f"{source} is not a proxy URL: {mask_proxy(text)}",
            hint="give scheme://[user:password@]host:port, the scheme one of "
            + ", ".join(PROXY_SCHEMES),
        )
    return Proxy(url=text.rstrip("/"), source=source)


@dataclass(frozen=True)
class NoProxy:
    """`NO_PROXY`: comma-separated host names (each covering its subdomains), IP addresses,
    CIDR ranges, `host:port`, or `*` for every host."""

    entries: tuple[str, ...] = ()

    @classmethod
    def parse(cls, value: str) -> NoProxy:
        return cls(tuple(e.strip().lower() for e in value.split(",") if e.strip()))

    def covers(self, host: str, port: int) -> bool:
        host = host.strip("[]").lower().rstrip(".")
        for entry in self.entries:
            if entry == "*":
                return True
            name, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
            if entry_port and entry_port != str(port):
                continue
            name = name.strip("[]").lstrip("*").lstrip(".").rstrip(".")
            if not name:
                continue
            if "/" in name:
                if _in_network(host, name):
                    return True
            elif host == name or host.endswith("." + name):
                return True
        return False


def _has_port(entry: str) -> bool:
    # "host:port" or "[v6]:port"; a bare IPv6 address has several colons and no brackets.
    if entry.startswith("["):
        return "]:" in entry
    return entry.count(":") == 1


def _in_network(host: str, cidr: str) -> bool:
    try:
        return ip_address(host) in ip_network(cidr, strict=False)
    except ValueError:
        return False


def _env(env: Mapping[str, str], name: str) -> str:
    """Lower case first, as curl and urllib read proxy variables."""
    return (env.get(name.lower()) or env.get(name.upper()) or "").strip()


@dataclass(eq=False, repr=False)
class Network:
    """The resolved network settings of one esign run."""

    explicit_proxy: Proxy | None = None  # --proxy / ESIGN_PROXY / profile, if given
    proxy_disabled: bool = False  # given, and empty: ignore the proxy variables
    env_proxies: dict[str, Proxy] = field(default_factory=dict)  # "http" | "https" | "all"
    no_proxy: NoProxy = field(default_factory=NoProxy)
    ca_bundle: str | None = None
    ca_bundle_source: str | None = None
    cert_file: str | None = None
    cert_dir: str | None = None
    _trust: ssl.SSLContext | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def proxy_for(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        if self.proxy_disabled:
            return None
        proxy = self.explicit_proxy or self.env_proxies.get(scheme) or self.env_proxies.get("all")
        if proxy is None or self.no_proxy.covers(host, port or DEFAULT_PORTS.get(scheme, 0)):
            return None
        return proxy

    def proxies(self) -> list[Proxy]:
        found = [self.explicit_proxy] if self.explicit_proxy else list(self.env_proxies.values())
        return [] if self.proxy_disabled else found

    def secrets(self) -> list[str]:
        """Proxy passwords: scrubbed from everything esign prints, like the API secret."""
        return [p.password for p in self.proxies() if p.password]

    def trust(self) -> ssl.SSLContext:
        """The TLS context for https:// (built on first use: plain-HTTP runs never pay)."""
        with self._lock:
            if self._trust is None:
                self._trust = self._build_trust()
            return self._trust

    def trust_source(self) -> str:
        if self.ca_bundle:
            return f"{self.ca_bundle} ({self.ca_bundle_source})"
        if self.cert_file or self.cert_dir:
            return ", ".join(
                f"{name} {value}"
                for name, value in (
                    ("SSL_CERT_FILE", self.cert_file),
                    ("SSL_CERT_DIR", self.cert_dir),
                )
                if value
            )
        return "the operating system's trust store"

    def _build_trust(self) -> ssl.SSLContext:
        import ssl

        if self.ca_bundle:
            return _bundle_context(self.ca_bundle, self.ca_bundle_source or "--ca-bundle")
        if self.cert_file or self.cert_dir:
            if self.cert_file and not os.path.isfile(self.cert_file):
                raise UsageError(
                    f"SSL_CERT_FILE names {self.cert_file}, which is not a readable file",
                    hint="point it at a PEM bundle, or unset it to use the system's trust store",
                )
            if self.cert_dir and not os.path.isdir(self.cert_dir):
                raise UsageError(
                    f"SSL_CERT_DIR names {self.cert_dir}, which is not a directory",
                    hint="point it at a directory of hashed certificates, or unset it",
                )
            try:
                return ssl.create_default_context(cafile=self.cert_file, capath=self.cert_dir)
            except (OSError, ssl.SSLError) as exc:
                raise UsageError(f"cannot load SSL_CERT_FILE / SSL_CERT_DIR: {exc}") from exc
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _bundle_context(path: str, source: str) -> ssl.SSLContext:
    import ssl

    try:
        if os.path.isdir(path):
            return ssl.create_default_context(capath=path)
        return ssl.create_default_context(cafile=path)
    except FileNotFoundError:
        raise UsageError(f"the CA bundle {path} ({source}) does not exist") from None
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(
            f"cannot load the CA bundle {path} ({source}): {exc}",
            hint="give a PEM file of CA certificates",
        ) from exc


def resolve_network(
    env: Mapping[str, str],
    *,
    flag_proxy: str | None = None,
    flag_ca_bundle: str | None = None,
    profile_settings: Mapping[str, object] | None = None,
    profile_name: str | None = None,
    profile_first: bool = False,
) -> Network:
    """Flag > ESIGN_* > profile (profile > ESIGN_* under an explicit --profile, as for every
    setting) > the standard variables."""
    settings = profile_settings or {}
    network = Network(no_proxy=NoProxy.parse(_env(env, "no_proxy")))

    def choose(flag: str | None, flag_name: str, env_name: str, key: str) -> tuple[str, str] | None:
        candidates: list[tuple[str, str] | None] = [
            (env[env_name], env_name) if env_name in env else None,
            (_profile_str(settings, key, profile_name), f"profile {profile_name} {key}")
            if key in settings
            else None,
        ]
        if profile_first:
            candidates.reverse()
        if flag is not None:
            candidates.insert(0, (flag, flag_name))
        return next((c for c in candidates if c is not None), None)

    explicit = choose(flag_proxy, "--proxy", "ESIGN_PROXY", "proxy")
    if explicit is not None:
        value, source = explicit
        if value.strip():
            network.explicit_proxy = parse_proxy(value, source)
        else:
            network.proxy_disabled = True
    else:
        for scheme in ("https", "http", "all"):
            lower = f"{scheme}_proxy"
            value = _env(env, lower)
            if value:
                name = lower if env.get(lower, "").strip() else lower.upper()
                network.env_proxies[scheme] = parse_proxy(value, name)

    bundle = choose(flag_ca_bundle, "--ca-bundle", "ESIGN_CA_BUNDLE", "ca_bundle")
    if bundle is not None and bundle[0].strip():
        network.ca_bundle = os.path.expanduser(bundle[0].strip())
        network.ca_bundle_source = bundle[1]
    network.cert_file = env.get("SSL_CERT_FILE") or None
    network.cert_dir = env.get("SSL_CERT_DIR") or None
    return network


def proxy_passwords(env: Mapping[str, str], flag_proxy: str | None) -> list[str]:
    """Every proxy password this run could use, for scrubbing, without resolving anything."""
    names = ("ESIGN_PROXY", *(f"{s}_proxy" for s in ("https", "http", "all")))
    values = [flag_proxy or ""] + [env.get(n, "") or env.get(n.upper(), "") for n in names]
    found = []
    for value in values:
        password = _password(value)
        if password:
            found += [password, unquote(password)]
    return found


def _profile_str(settings: Mapping[str, object], key: str, profile: str | None) -> str:
    value = settings[key]
    if not isinstance(value, str):
        raise UsageError(
            f"profile {profile!r}: {key} must be a string, got {type(value).__name__}",
            hint=f"fix it with `esign profile set {profile} {key} VALUE`",
        )
    return value
