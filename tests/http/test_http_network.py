"""esign on the network as users have it: httpx's own transport, proxies (HTTP CONNECT and
absolute-form, SOCKS5, with and without credentials, NO_PROXY), TLS trust (the system's
store, --ca-bundle, SSL_CERT_FILE), and failures named as curl names them. Every server and
proxy here is real, on loopback, started by the test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from esign.core.errors import NetworkError
from esign.core.http.client import HttpClient
from esign.core.http.network import Network, NoProxy, resolve_network
from esign.sandbox.pdf import sample_contract
from tests.conftest import Cli, SandboxAdmin
from tests.proxyserver import HttpProxy, Socks5Proxy
from tests.rawserver import Answer, RawServer, Seen, ok, tls_context

Serve = Callable[..., RawServer]
API_KEY = "k_" + "0" * 20

# OKdokument's document metadata, shaped as the spec's §6.10 example (no url/group).
METADATA = (
    b'{"filename":"contract.pdf","state":"tosign","modification":"2024-03-01 10:00:00",'
    b'"id":"abc","date":1709283600000,"number":"17"}'
)


def client(url: str, **kwargs: object) -> HttpClient:
    return HttpClient(
        url,
        timeout=float(kwargs.pop("timeout", 5)),  # type: ignore[arg-type]
        max_attempts=int(kwargs.pop("max_attempts", 3)),  # type: ignore[call-overload]
        sleep=lambda _s: None,
        **kwargs,  # type: ignore[arg-type]
    )


def okd(url: str, **extra: str) -> dict[str, str]:
    return {
        "ESIGN_PROVIDER": "okdokument",
        "ESIGN_BASE_URL": url + "/JSON",
        "ESIGN_API_KEY": API_KEY,
        **extra,
    }


def dead_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


# -- the wire ----------------------------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(serve: Serve) -> None:
    server = serve(lambda _r: ok())
    http = client(server.url)
    try:
        for _ in range(5):
            assert http.request("GET", http.url("x")).json() == {"ok": True}
    finally:
        http.close()
    assert server.accepted == 1
    assert len(server.seen) == 5


def test_connection_closed_while_idle_is_not_reused_for_a_create(serve: Serve) -> None:
    # The server drops each connection after answering, without saying so, as a keep-alive
    # timeout does. A create is never retried once sent, so it must not meet the dead one.
    server = serve(lambda _r: Answer(ok().data, close=True))
    http = client(server.url)
    try:
        http.request("GET", http.url("x"))
        time.sleep(0.1)  # let the close arrive
        response = http.request("POST", http.url("create"), json={"a": 1})
    finally:
        http.close()
    assert response.status_code == 200
    assert server.accepted == 2
    assert [s.method for s in server.seen] == ["GET", "POST"]


def test_connection_close_header_is_honoured(serve: Serve) -> None:
    server = serve(lambda _r: Answer(ok(extra="connection: close\r\n").data, close=True))
    http = client(server.url)
    try:
        for _ in range(3):
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert server.accepted == 3


def test_body_cut_short_is_retried_then_reported_as_cut_short(serve: Serve) -> None:
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n"
    server = serve(lambda _r: Answer(head + b"only ten b", close=True))
    http = client(server.url)
    try:
        with pytest.raises(NetworkError) as caught:
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert caught.value.message.startswith(
        f"the connection to 127.0.0.1:{server.port} failed after 3 attempts: the body was cut short"
    )
    assert len(server.seen) == 3


def test_chunked_answer_is_read_and_the_connection_reused(serve: Serve) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    )
    server = serve(lambda _r: Answer(chunked))
    http = client(server.url)
    try:
        assert http.request("GET", http.url("a")).content == b"hello world"
        assert http.request("GET", http.url("b")).content == b"hello world"
    finally:
        http.close()
    assert server.accepted == 1


def test_request_line_and_headers_go_out_as_built(serve: Serve) -> None:
    server = serve(lambda _r: ok())
    http = client(server.url)
    try:
        http.request("GET", http.url("doc", "a%2Fb"), params={"q": "x y"}, headers={"x-k": "v"})
    finally:
        http.close()
    seen = server.seen[0]
    assert seen.path == "/doc/a%2Fb?q=x+y"
    assert seen.headers["x-k"] == "v"
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["user-agent"].startswith("esign/")


def test_refused_connection_names_host_and_port_as_curl_does() -> None:
    port = dead_port()
    http = client(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(NetworkError) as caught:
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert caught.value.message == (
        f"could not connect to 127.0.0.1:{port} after 3 attempts: connection refused"
    )


def test_unresolvable_host_is_named(serve: Serve) -> None:
    http = client("http://no-such-host.invalid", max_attempts=1, allow_http=True)
    try:
        with pytest.raises(NetworkError) as caught:
            http.request("GET", http.url("x"))
    finally:
        http.close()
    assert caught.value.message == (
        "could not connect to no-such-host.invalid:80 after 1 attempt: "
        "could not resolve the host name"
    )


def test_silent_server_is_a_timeout_naming_the_host(serve: Serve) -> None:
    stop = threading.Event()

    def never(_r: Seen) -> Answer:
        stop.wait(5)
        return Answer(b"")

    server = serve(never)
    http = client(server.url, timeout=0.3, max_attempts=1)
    try:
        with pytest.raises(NetworkError) as caught:
            http.request("GET", http.url("x"))
    finally:
        stop.set()
        http.close()
    assert caught.value.message == (
        f"no answer from 127.0.0.1:{server.port} after 1 attempt: timed out after 0.3 s"
    )


def test_early_401_during_a_large_upload_is_an_auth_failure(serve: Serve, tmp_path: Path) -> None:
    # The server refuses the key as soon as it has read the headers, and never reads the
    # 8 MB body: the answer is what the user must see, not "network error".
    body = b'{"message":"user is not authenticated"}'
    answer = (
        b"HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\nconnection: close\r\n\r\n%b" % (len(body), body)
    )
    server = serve(lambda _r: Answer(answer), read_body=False)
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(sample_contract("big") + b"%" + os.urandom(6 * 1024 * 1024))
    result = Cli(okd(server.url))("request", "create", str(pdf))
    assert result.exit_code == 4, result.stderr
    assert "network error" not in result.stderr
    assert len(server.seen) == 1  # a create is never sent twice


def test_103_early_hints_before_the_answer_is_not_the_answer(serve: Serve) -> None:
    hints = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"

    def respond(_r: Seen) -> Answer:
        final = ok(METADATA).data
        return Answer(hints + final)

    server = serve(respond)
    result = Cli(okd(server.url))("doc", "info", "abc", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == "abc"
    assert result.json()["provider_status"] == "tosign"


# -- TLS trust ---------------------------------------------------------------------------


def test_default_trust_is_the_operating_systems_store() -> None:
    import truststore

    assert isinstance(Network().trust(), truststore.SSLContext)


def test_untrusted_certificate_is_refused_once_without_sending(
    serve: Serve, certificate: tuple[Path, Path]
) -> None:
    server = serve(lambda _r: ok(), tls=tls_context(certificate))
    result = Cli(okd(server.url))("doc", "info", "abc")
    assert result.exit_code == 1
    assert f"the TLS certificate of 127.0.0.1:{server.port} was not accepted" in result.stderr
    assert "self-signed" in result.stderr
    assert "--ca-bundle" in result.stderr
    assert server.seen == []  # nothing was sent over the refused connection
    assert server.accepted == 1  # and it was not tried again


@pytest.mark.parametrize("how", ["flag", "env", "profile", "ssl_cert_file"])
def test_certificate_trusted_only_through_the_given_bundle(
    serve: Serve, certificate: tuple[Path, Path], how: str
) -> None:
    server = serve(lambda _r: ok(METADATA), tls=tls_context(certificate))
    bundle = str(certificate[0])
    cli = Cli(okd(server.url))
    args = ["doc", "info", "abc", "--json"]
    env: dict[str, str] = {}
    if how == "flag":
        args += ["--ca-bundle", bundle]
    elif how == "env":
        env["ESIGN_CA_BUNDLE"] = bundle
    elif how == "ssl_cert_file":
        env["SSL_CERT_FILE"] = bundle
    else:
        added = cli("profile", "add", "p", "--provider", "okdokument", "--base-url", server.url)
        assert added.exit_code == 0, added.stderr
        assert cli("profile", "set", "p", "ca_bundle", bundle).exit_code == 0
        env["ESIGN_PROFILE"] = "p"
    result = cli(*args, env=env)
    assert result.exit_code == 0, result.stderr
    assert result.json()["id"] == "abc"


def test_a_bundle_without_the_servers_ca_is_refused(serve: Serve, tmp_path: Path) -> None:
    # The bundle is all that is trusted (as curl --cacert): the public CAs of the system
    # store do not vouch for a self-signed certificate.
    other_certificate = tmp_path / "other"
    other_certificate.mkdir()
    server = serve(lambda _r: ok(), tls=tls_context(_self_signed(other_certificate)))
    public = "/etc/ssl/certs/ca-certificates.crt"
    refused = Cli(okd(server.url))("doc", "info", "abc", "--ca-bundle", public)
    assert refused.exit_code == 1
    assert "was not accepted" in refused.stderr
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    unusable = Cli(okd(server.url))("doc", "info", "abc", "--ca-bundle", str(empty))
    assert unusable.exit_code == 2
    assert "cannot load the CA bundle" in unusable.stderr


def _self_signed(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SSL_CERT_FILE": "/missing/ca.pem"}, "SSL_CERT_FILE names /missing/ca.pem"),
        ({"SSL_CERT_DIR": "/missing/dir"}, "SSL_CERT_DIR names /missing/dir"),
        ({"ESIGN_CA_BUNDLE": "/missing/ca.pem"}, "the CA bundle /missing/ca.pem"),
    ],
)
def test_missing_trust_files_are_a_usage_error(
    serve: Serve, certificate: tuple[Path, Path], env: dict[str, str], message: str
) -> None:
    server = serve(lambda _r: ok(), tls=tls_context(certificate))
    result = Cli(okd(server.url))("doc", "info", "abc", env=env)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert server.accepted == 0


def test_untrusted_certificate_from_the_command_line(
    serve: Serve, certificate: tuple[Path, Path], tmp_path: Path
) -> None:
    server = serve(lambda _r: ok(), tls=tls_context(certificate))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ESIGN_", "SSL_CERT")) and not k.lower().endswith("_proxy")
    }
    env.update(
        okd(server.url),
        XDG_CONFIG_HOME=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path),
        XDG_CACHE_HOME=str(tmp_path),
    )
    esign = Path(sys.executable).with_name("esign")
    result = subprocess.run(
        [str(esign), "doc", "info", "abc"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert "TLS certificate" in result.stderr and "was not accepted" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.seen == []


# -- proxies -----------------------------------------------------------------------------


def sandbox_path(sandbox: SandboxAdmin) -> str:
    return sandbox.okdokument_base.removeprefix("http://")


def test_http_proxy_carries_plain_http_requests(
    cli: Cli, sandbox: SandboxAdmin, http_proxy: HttpProxy
) -> None:
    result = cli("doc", "list", "--json", env={"HTTP_PROXY": http_proxy.url()})
    assert result.exit_code == 0, result.stderr
    assert any(
        line.startswith(f"GET http://{sandbox_path(sandbox)}/list/flat") for line in http_proxy.seen
    ), http_proxy.seen


def test_lower_case_proxy_variable_wins_as_in_curl(
    cli: Cli, sandbox: SandboxAdmin, http_proxy: HttpProxy
) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    result = cli("doc", "list", "--json", env={"HTTP_PROXY": dead, "http_proxy": http_proxy.url()})
    assert result.exit_code == 0, result.stderr
    assert http_proxy.seen


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "127.0.0.0/8", "*", "example.com, 127.0.0.1"])
def test_no_proxy_bypasses_the_proxy(cli: Cli, no_proxy: str) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    result = cli("doc", "list", "--json", env={"HTTP_PROXY": dead, "NO_PROXY": no_proxy})
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "variables",
    [
        {"HTTPS_PROXY": "{proxy}"},
        {"https_proxy": "{proxy}"},
        {"ALL_PROXY": "{proxy}", "HTTP_PROXY": "{dead}"},  # http's proxy is not https's
    ],
)
def test_https_goes_through_a_connect_tunnel(
    serve: Serve, certificate: tuple[Path, Path], http_proxy: HttpProxy, variables: dict[str, str]
) -> None:
    server = serve(lambda _r: ok(METADATA), tls=tls_context(certificate))
    dead = f"http://127.0.0.1:{dead_port()}"
    env = {k: v.format(proxy=http_proxy.url(), dead=dead) for k, v in variables.items()}
    bundle = str(certificate[0])
    result = Cli(okd(server.url))("doc", "info", "abc", "--json", "--ca-bundle", bundle, env=env)
    assert result.exit_code == 0, result.stderr
    assert http_proxy.seen == [f"CONNECT 127.0.0.1:{server.port}"]
    assert server.seen[0].path == "/JSON/document/metadata/abc"
    assert server.seen[0].headers["x-api-key"] == API_KEY  # inside the tunnel only


@pytest.mark.parametrize("how", ["flag", "env", "profile"])
def test_esign_proxy_setting_beats_the_standard_variables(
    cli: Cli, sandbox: SandboxAdmin, http_proxy: HttpProxy, how: str
) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    env = {"HTTP_PROXY": dead}
    args = ["doc", "list", "--json"]
    if how == "flag":
        args += ["--proxy", http_proxy.url()]
    elif how == "env":
        env["ESIGN_PROXY"] = http_proxy.url()
    else:
        added = cli("profile", "add", "p", "--provider", "okdokument", "--base-url", sandbox.url)
        assert added.exit_code == 0, added.stderr
        assert cli("profile", "set", "p", "proxy", http_proxy.url()).exit_code == 0
        env["ESIGN_PROFILE"] = "p"
    result = cli(*args, env=env)
    assert result.exit_code == 0, result.stderr
    assert http_proxy.seen


def test_empty_proxy_flag_ignores_the_proxy_variables(cli: Cli) -> None:
    dead = f"http://127.0.0.1:{dead_port()}"
    result = cli("doc", "list", "--json", "--proxy", "", env={"HTTP_PROXY": dead})
    assert result.exit_code == 0, result.stderr


def test_proxy_credentials_are_used_and_never_printed(
    cli: Cli, sandbox: SandboxAdmin, auth_proxy: HttpProxy
) -> None:
    assert auth_proxy.credentials is not None
    user, password = auth_proxy.credentials
    env = {"HTTP_PROXY": auth_proxy.url(f"{user}:{password}")}
    listed = cli("doc", "list", "--json", "--debug", env=env)
    assert listed.exit_code == 0, listed.stderr
    assert auth_proxy.authorizations and auth_proxy.authorizations[-1] is not None
    assert "* through proxy http://proxyuser:****@127.0.0.1" in listed.stderr
    status = cli("auth", "status", "--json", env=env)
    assert status.exit_code == 0, status.stderr
    assert status.json()["proxy (HTTP_PROXY)"]["value"].startswith("http://proxyuser:****@")
    for result in (listed, status):
        assert password not in result.stdout + result.stderr


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_wrong_proxy_credentials_are_the_proxys_refusal(
    serve: Serve, certificate: tuple[Path, Path], auth_proxy: HttpProxy, scheme: str
) -> None:
    # For http:// the proxy answers 407 itself; for https:// it refuses the CONNECT. Either
    # way it is the proxy speaking, not the provider, and nothing reached the provider.
    server = serve(lambda _r: ok(), tls=tls_context(certificate) if scheme == "https" else None)
    proxy_url = auth_proxy.url("proxyuser:wrong-secret-canary")
    result = Cli(okd(server.url))(
        "request",
        "delete",
        "nothing",
        "--yes",
        "--ca-bundle",
        str(certificate[0]),
        env={"HTTP_PROXY": proxy_url, "HTTPS_PROXY": proxy_url},
    )
    assert result.exit_code == 1, result.stderr
    assert f"the proxy http://proxyuser:****@127.0.0.1:{auth_proxy.port}" in result.stderr
    assert "407" in result.stderr
    assert "OKdokument" not in result.stderr
    assert "wrong-secret-canary" not in result.stderr
    assert len(auth_proxy.seen) == 1  # asking again would meet the same refusal
    assert server.seen == []


def test_dead_proxy_is_named_in_the_error(cli: Cli, sandbox: SandboxAdmin) -> None:
    port = dead_port()
    result = cli("doc", "list", env={"HTTP_PROXY": f"http://user:pw-canary@127.0.0.1:{port}"})
    assert result.exit_code == 1
    target = sandbox.url.removeprefix("http://")
    assert (
        f"could not connect to proxy 127.0.0.1:{port} (HTTP_PROXY, for {target}) "
        "after 3 attempts: connection refused"
    ) in result.stderr
    assert "NO_PROXY" in result.stderr
    assert "pw-canary" not in result.stderr


def test_socks5_proxy_with_credentials(
    cli: Cli, sandbox: SandboxAdmin, socks_proxy: Socks5Proxy
) -> None:
    assert socks_proxy.credentials is not None
    user, password = socks_proxy.credentials
    result = cli(
        "doc", "list", "--json", "--debug", "--proxy", socks_proxy.url(f"{user}:{password}")
    )
    assert result.exit_code == 0, result.stderr
    assert socks_proxy.seen == [sandbox.url.removeprefix("http://")]
    assert password not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "value",
    [
        "ftp://proxy:21",
        "http://proxy:99999",
        "http://proxy:3128/path",
        "http://",
        "http://u:pw-canary@[::1",  # urlsplit itself raises: an unclosed IPv6 bracket
        "http://bob:pw-canary/3#x@proxy:3128",  # a password that ends a parser's netloc
    ],
)
def test_bad_proxy_url_is_a_usage_error_naming_its_source(cli: Cli, value: str) -> None:
    result = cli("doc", "list", env={"HTTPS_PROXY": "", "HTTP_PROXY": value})
    assert result.exit_code == 2, result.stderr
    assert "HTTP_PROXY is not a proxy URL" in result.stderr
    assert "pw-canary" not in result.stderr


def test_a_profile_never_stores_a_proxy_password(cli: Cli, sandbox: SandboxAdmin) -> None:
    cli("profile", "add", "p", "--provider", "okdokument", "--base-url", sandbox.url)
    result = cli("profile", "set", "p", "proxy", "http://u:secret-canary@proxy:3128")
    assert result.exit_code == 2
    assert "secret-canary" not in result.stderr
    config = (Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml").read_text()
    assert "secret-canary" not in config


def test_profile_set_checks_values_and_unset_removes_them(cli: Cli, sandbox: SandboxAdmin) -> None:
    cli("profile", "add", "p", "--provider", "okdokument", "--base-url", sandbox.url)
    assert cli("profile", "set", "p", "allow_http", "maybe").exit_code == 2
    assert cli("profile", "set", "p", "colour", "blue").exit_code == 2
    assert cli("profile", "set", "p", "ca_bundle", "/missing.pem").exit_code == 2
    shown = cli("profile", "set", "p", "proxy", "proxy.corp:3128", "--json")
    assert shown.exit_code == 0, shown.stderr
    assert shown.json()["proxy"] == "http://proxy.corp:3128"
    removed = cli("profile", "unset", "p", "proxy", "--json")
    assert removed.exit_code == 0
    assert "proxy" not in removed.json()


# -- the rules, as units -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "host", "port", "covered"),
    [
        ("example.com", "example.com", 443, True),
        ("example.com", "api.example.com", 443, True),
        (".example.com", "api.example.com", 443, True),
        ("*.example.com", "api.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        ("example.com:8443", "example.com", 443, False),
        ("example.com:8443", "example.com", 8443, True),
        ("10.0.0.0/8", "10.1.2.3", 80, True),
        ("10.0.0.0/8", "11.1.2.3", 80, False),
        ("::1", "::1", 80, True),
        ("[::1]:8080", "::1", 8080, True),
        ("*", "anything", 1, True),
        ("", "anything", 1, False),
        ("EXAMPLE.com", "api.Example.COM", 1, True),
    ],
)
def test_no_proxy_matching(entries: str, host: str, port: int, covered: bool) -> None:
    assert NoProxy.parse(entries).covers(host, port) is covered


def test_proxy_precedence_flag_env_profile_then_standard_variables() -> None:
    env = {"ESIGN_PROXY": "http://esign:1", "HTTPS_PROXY": "http://std:1"}
    profile = {"proxy": "http://profile:1"}

    def chosen(**kwargs: object) -> str | None:
        network = resolve_network(env, profile_settings=profile, profile_name="p", **kwargs)  # type: ignore[arg-type]
        proxy = network.proxy_for("https", "api.example.com", 443)
        return proxy.url if proxy else None

    assert chosen(flag_proxy="http://flag:1") == "http://flag:1"
    assert chosen() == "http://esign:1"
    assert chosen(profile_first=True) == "http://profile:1"  # under an explicit --profile
    env.pop("ESIGN_PROXY")
    assert chosen() == "http://profile:1"
    profile.clear()
    assert chosen() == "http://std:1"
    assert chosen(flag_proxy="") is None


def test_help_environment_documents_proxies_and_trust(cli: Cli) -> None:
    result = cli("help", "environment")
    assert result.exit_code == 0
    for name in ("HTTPS_PROXY", "NO_PROXY", "ESIGN_PROXY", "ESIGN_CA_BUNDLE", "SSL_CERT_FILE"):
        assert name in result.stdout


def test_config_proxy_of_the_wrong_type_names_the_key(cli: Cli, sandbox: SandboxAdmin) -> None:
    config = Path(os.environ["ESIGN_CONFIG_DIR"]) / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        'default_profile = "p"\n[profiles.p]\nprovider = "okdokument"\n'
        f'base_url = "{sandbox.okdokument_base}"\nproxy = 3128\n'
    )
    result = cli("doc", "list", env={"ESIGN_PROVIDER": "", "ESIGN_BASE_URL": ""})
    assert result.exit_code == 2, result.stderr
    assert "proxy must be a string" in result.stderr


def _unshare_available() -> bool:
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _unshare_available(), reason="needs root and mount namespaces (unshare -m)")
def test_a_ca_installed_with_update_ca_certificates_is_trusted(
    serve: Serve, tmp_path: Path
) -> None:
    # What a TLS-inspecting corporate proxy asks of its users: install its CA into the
    # system's store. The store is the real one's copy, in a private mount namespace, so the
    # machine's own trust is never touched; esign finds it with no SSL_CERT_* variable set.
    ca_key, ca_cert = tmp_path / "ca.key", tmp_path / "ca.crt"
    key, csr, cert = tmp_path / "srv.key", tmp_path / "srv.csr", tmp_path / "srv.crt"

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
        *("-subj", "/CN=esign test corporate CA", "-keyout", str(ca_key), "-out", str(ca_cert)),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
    )
    openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1"),
        *("-keyout", str(key), "-out", str(csr)),
    )
    extensions = tmp_path / "ext.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        *("x509", "-req", "-in", str(csr), "-CA", str(ca_cert), "-CAkey", str(ca_key)),
        *("-CAcreateserial", "-days", "1", "-out", str(cert), "-extfile", str(extensions)),
    )
    server = serve(lambda _r: ok(METADATA), tls=tls_context((cert, key)))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ESIGN_", "SSL_CERT")) and not k.lower().endswith("_proxy")
    }
    env.update(okd(server.url), XDG_CONFIG_HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path))
    esign = str(Path(sys.executable).with_name("esign"))
    script = f"""
        set -e
        cp -a /etc/ssl/certs {tmp_path}/etc-certs
        mkdir -p {tmp_path}/local-certs
        mount --bind {tmp_path}/etc-certs /etc/ssl/certs
        mount --bind {tmp_path}/local-certs /usr/local/share/ca-certificates
        if [ "$INSTALL" = yes ]; then
            cp {ca_cert} /usr/local/share/ca-certificates/esign-test-ca.crt
            update-ca-certificates >/dev/null 2>&1
        fi
        exec {esign} doc info abc --json
    """
    runs = {}
    for install in ("no", "yes"):
        runs[install] = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
            env={**env, "INSTALL": install},
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    assert runs["no"].returncode == 1, runs["no"].stderr
    assert "was not accepted" in runs["no"].stderr
    assert runs["yes"].returncode == 0, runs["yes"].stderr
    assert '"id": "abc"' in runs["yes"].stdout or '"id":"abc"' in runs["yes"].stdout


def test_a_failure_past_the_proxy_names_the_proxy(cli: Cli, http_proxy: HttpProxy) -> None:
    # The proxy accepts, then cannot reach the host and drops the connection: the failure is
    # seen after the connect, and still names the proxy it went through.
    result = cli(
        "doc",
        "info",
        "abc",
        "--max-attempts",
        "1",
        env={"HTTP_PROXY": http_proxy.url(), "ESIGN_BASE_URL": "http://127.0.0.1:1/JSON"},
    )
    assert result.exit_code == 1, result.stderr
    assert f"through proxy {http_proxy.url()}, HTTP_PROXY" in result.stderr
