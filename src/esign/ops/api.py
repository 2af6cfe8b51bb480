"""`esign api`: one authenticated request to any endpoint of the profile's provider, as
`gh api` does for GitHub's.

The request goes through the provider's own session: its authentication (OKdokument's key,
ZapSign's token, IndexHealth's exchanged token, renewed once when refused), the same retry
rules (a request that may have arrived is sent again only when that is safe), credentials
only under the base URL, and the `--debug` trace with secrets masked. The answer is printed
as it came; its status gives the exit code every command would give.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

from esign.core.errors import UsageError
from esign.core.files.partfiles import PART_FILES, write_error
from esign.core.output.terminal import for_terminal, for_terminal_lines, json_for_terminal
from esign.core.redact import REDACTED, scrub
from esign.ops.provider import provider_for

if TYPE_CHECKING:
    import httpx

    from esign.core.context import AppContext
    from esign.providers.base import Provider

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Bodies a request reads from a file or stdin, at most: ten times the largest create (10 MB)
# a provider takes, and far below what would strain memory.
MAX_INPUT_BYTES = 100 << 20
MAX_PAGES = 1000  # a `next` that never ends (a loop the seen-set misses) stops here
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


@dataclass(frozen=True)
class ApiOptions:
    path: str
    method: str | None = None
    raw_fields: tuple[str, ...] = ()  # -f key=value: strings
    typed_fields: tuple[str, ...] = ()  # -F key=value: numbers, true/false/null, @file
    headers: tuple[str, ...] = ()
    input: str | None = None  # --input FILE|-: the raw body
    include: bool = False
    paginate: bool = False
    silent: bool = False
    out: str | None = None
    force: bool = False


@dataclass(frozen=True)
class ApiRequest:
    method: str
    url: str
    params: dict[str, str | list[str]] | None
    json: Any
    content: bytes | None
    headers: dict[str, str]


def run_api(app: AppContext, opts: ApiOptions) -> None:
    provider = provider_for(app)
    request = build_request(app, provider, opts)
    if opts.paginate:
        if request.method != "GET":
            raise UsageError("--paginate follows the pages of a GET")
        if not provider.api_pages:
            raise UsageError(
                f"{provider.title}'s API has no pages to follow",
                hint="drop --paginate: its lists come whole",
            )
    pages: list[Any] = []
    url: str | None = request.url
    params = request.params
    seen: set[str] = set()
    while url is not None:
        seen.add(url)
        response = provider.api_request(
            request.method,
            url,
            params=params,
            json=request.json,
            content=request.content,
            headers=request.headers,
        )
        if opts.include:
            _write_head(app, response)
        failure = provider.api_error(response)
        if failure is not None:
            if not opts.silent:
                _write_body(app, response, opts, shaped=False)
            raise failure
        if not opts.paginate:
            if not opts.silent:
                _write_body(app, response, opts, shaped=True)
            return
        body = _json_body(app, response)
        if body is None:
            raise UsageError("--paginate needs JSON pages; this answer is not JSON")
        pages.append(body)
        url, params = provider.api_next_page(body), None
        if url is not None:
            check_under_base(url, provider.http.base_url, what="the next page")
            if url in seen or len(pages) >= MAX_PAGES:
                url = None  # a page seen before (a cached answer): the list has ended
    if not opts.silent:
        _write_pages(app, pages)


# -- the request -------------------------------------------------------------------------


def build_request(app: AppContext, provider: Provider, opts: ApiOptions) -> ApiRequest:
    """Everything checked before anything is sent: the URL, method, fields, headers, body."""
    if not provider.base_url:
        raise UsageError(
            f"{provider.title} has no base URL configured",
            hint="set ESIGN_BASE_URL or the profile's base_url",
        )
    url = resolve_url(provider.http.base_url, opts.path)
    content = _read_input(app, opts.input) if opts.input is not None else None
    fields = [(text, False) for text in opts.raw_fields] + [(t, True) for t in opts.typed_fields]
    method = (opts.method or ("POST" if fields or content is not None else "GET")).upper()
    if method not in METHODS:
        raise UsageError(f"unknown HTTP method {method!r}", hint=f"one of {', '.join(METHODS)}")
    headers = parse_headers(opts.headers)
    params: dict[str, str | list[str]] | None = None
    body: Any = None
    if fields:
        if method in ("GET", "HEAD") or content is not None:
            params = query_fields(app, fields)
            url, params = _with_path_query(url, params)
        else:
            body = body_fields(app, fields)
    if content is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return ApiRequest(method, url, params, body, content, headers)


def _with_path_query(
    url: str, params: dict[str, str | list[str]]
) -> tuple[str, dict[str, str | list[str]]]:
    """The query PATH already had, then the fields (as gh does): httpx would replace the
    one with the other."""
    parts = urlsplit(url)
    if not parts.query:
        return url, params
    merged: dict[str, str | list[str]] = {}
    for key, value in [*parse_qsl(parts.query, keep_blank_values=True), *_pairs(params)]:
        before = merged.get(key)
        if before is None:
            merged[key] = value
        else:
            merged[key] = [*([before] if isinstance(before, str) else before), value]
    return urlunsplit(parts._replace(query="")), merged


def _pairs(params: dict[str, str | list[str]]) -> list[tuple[str, str]]:
    return [
        (key, item)
        for key, value in params.items()
        for item in ([value] if isinstance(value, str) else value)
    ]


def resolve_url(base: str, path: str) -> str:
    """PATH under the base URL (`/docs/T/` -> BASE/docs/T/), or an absolute URL that is
    already under it. Anything else, and any path that would climb out of it (`..`), is
    refused before a request is made: credentials go nowhere else."""
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F or ch == "\\" for ch in path):
        raise UsageError("the path contains a space, backslash or control character")
    if "#" in path:
        raise UsageError("the path has a #fragment, which is never sent to a server")
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path):
        url = path
        check_under_base(url, base, what=path)
    else:
        url = f"{base}/{path.lstrip('/')}"
    route = urlsplit(url).path
    if any(unquote(segment) in (".", "..") for segment in route.split("/")):
        raise UsageError(
            f"the path {path!r} has a . or .. segment",
            hint="give the endpoint's path as the provider documents it",
        )
    return url


def check_under_base(url: str, base: str, *, what: str) -> None:
    target, root = urlsplit(url), urlsplit(base)
    same_origin = (target.scheme.lower(), target.netloc.lower()) == (
        root.scheme.lower(),
        root.netloc.lower(),
    )
    base_path = root.path.rstrip("/")
    if not same_origin or not (target.path == base_path or target.path.startswith(base_path + "/")):
        raise UsageError(
            f"refusing {for_terminal(what)}: it is not under the profile's base URL {base}",
            hint="esign api sends the profile's credentials only there; give a path such as "
            "/docs/ID/",
        )


def parse_headers(values: tuple[str, ...]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for text in values:
        name, colon, value = text.partition(":")
        name = name.strip()
        if not colon or not _HEADER_NAME.match(name):
            raise UsageError(f"-H {text!r} is not 'Name: value'")
        headers[name] = value.strip()
    return headers


def _read_input(app: AppContext, source: str, flag: str = "--input") -> bytes:
    from esign.core.files.local import read_input

    return read_input(source, app.streams.stdin, limit=MAX_INPUT_BYTES, flag=flag)


# -- fields: -f key=value (a string), -F key=value (typed), gh's key[sub] and key[] nesting --

_KEY = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)\Z")


def _split_field(text: str, flag: str) -> tuple[str, list[str]]:
    key, equals, _value = text.partition("=")
    match = _KEY.match(key)
    if not equals or not match:
        raise UsageError(f"{flag} {text!r} is not key=value", hint="e.g. -f name=Contract")
    parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    return key, parts


def _field_value(app: AppContext, text: str, typed: bool) -> Any:
    value = text.partition("=")[2]
    if not typed:
        return value
    if value in ("true", "false"):
        return value == "true"
    if value == "null":
        return None
    if re.fullmatch(r"-?(0|[1-9][0-9]*)", value):
        return int(value)
    if value.startswith("@"):
        data = _read_input(app, value[1:], flag=f"-F {text.partition('=')[0]}=@")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                f"-F {text.partition('=')[0]}={value}: the file is not UTF-8 text",
                hint="send binary content with --input",
            ) from None
    return value


def body_fields(app: AppContext, fields: list[tuple[str, bool]]) -> dict[str, Any]:
    """The JSON body: `a[b]=1` nests an object, `a[]=1` appends to an array, and
    `a[][k]=1` starts a new object in the array whenever `k` is already in the last one."""
    body: dict[str, Any] = {}
    for text, typed in fields:
        _key, parts = _split_field(text, "-F" if typed else "-f")
        _place(body, parts, _field_value(app, text, typed), text)
    return body


def _place(container: dict[str, Any], parts: list[str], value: Any, text: str) -> None:
    head, rest = parts[0], parts[1:]
    if not rest:
        container[head] = value
        return
    if rest[0] == "":  # head[] ...
        items = container.setdefault(head, [])
        if not isinstance(items, list):
            raise UsageError(f"field {text!r}: {head} is not an array")
        if len(rest) == 1:
            items.append(value)
            return
        if not items or not isinstance(items[-1], dict) or _occupied(items[-1], rest[1:]):
            items.append({})
        _place(items[-1], rest[1:], value, text)
        return
    child = container.setdefault(head, {})
    if not isinstance(child, dict):
        raise UsageError(f"field {text!r}: {head} is not an object")
    _place(child, rest, value, text)


def _occupied(item: dict[str, Any], parts: list[str]) -> bool:
    node: Any = item
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def query_fields(app: AppContext, fields: list[tuple[str, bool]]) -> dict[str, str | list[str]]:
    """Query parameters: `key=value`, and `key[]=v` repeated for a list (key=v1&key=v2)."""
    params: dict[str, str | list[str]] = {}
    for text, typed in fields:
        key, parts = _split_field(text, "-F" if typed else "-f")
        value = _field_value(app, text, typed)
        shown = json.dumps(value) if isinstance(value, bool) or value is None else str(value)
        if len(parts) == 2 and parts[1] == "":
            existing = params.setdefault(parts[0], [])
            if isinstance(existing, list):
                existing.append(shown)
            continue
        if len(parts) > 1:
            raise UsageError(f"{key!r}: nested fields go in a JSON body, not a query")
        params[key] = shown
    return params


# -- the answer ----------------------------------------------------------------------------


def _write_head(app: AppContext, response: httpx.Response) -> None:
    """The status line and headers, before the body, as `gh api -i` (and curl -i) print."""
    version = response.http_version or "HTTP/1.1"
    lines = [f"{version} {response.status_code} {response.reason_phrase}".rstrip()]
    lines += [f"{name}: {value}" for name, value in response.headers.items()]
    text = scrub("\n".join(lines), app.known_secrets())
    app.streams.stdout.write(for_terminal_lines(text) + "\n\n")
    app.streams.stdout.flush()


def _json_body(app: AppContext, response: httpx.Response) -> Any:
    """The answer's JSON, with any credential it reflects masked in its strings (parsed
    first, so escapes such as `\\/` or `\\u0041` cannot hide one, and the JSON stays
    valid); a document's bytes are never touched."""
    if not response.content.strip():
        return None
    kind = response.headers.get("content-type", "").lower()
    if "json" not in kind and kind:
        return None
    try:
        data = json.loads(response.content)
    except ValueError:
        return None
    return _scrubbed(data, app.known_secrets())


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(k), secrets): _scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, secrets) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A numeric secret (a PIN-like password) written as a JSON number.
        return REDACTED if scrub(str(value), secrets) != str(value) else value
    return value


def _write_body(
    app: AppContext, response: httpx.Response, opts: ApiOptions, *, shaped: bool
) -> None:
    content = response.content
    if opts.out is not None and shaped:
        _save(app, content, opts.out, force=opts.force)
        return
    if not content:
        return
    data = _json_body(app, response)
    output = app.output
    if data is not None:
        if shaped and (output.fields is not None or output.jq is not None):
            output.write_json(data)
            return
        _write_json(app, data)
        return
    if _is_text(response):
        text = scrub(content.decode(response.encoding or "utf-8", "replace"), app.known_secrets())
        shown = for_terminal_lines(text) if app.streams.stdout_is_tty else text
        app.streams.stdout.write(shown if shown.endswith("\n") else shown + "\n")
        app.streams.stdout.flush()
        return
    if app.streams.stdout_is_tty:
        kind = response.headers.get("content-type") or "no content type"
        raise UsageError(
            f"refusing to write a binary answer ({kind}, {len(content)} bytes) to the terminal",
            hint="save it with -o FILE, or pipe it",
        )
    app.streams.stdout.flush()
    app.streams.stdout_binary.write(content)
    app.streams.stdout_binary.flush()


def _write_pages(app: AppContext, pages: list[Any]) -> None:
    output = app.output
    if output.fields is not None or output.jq is not None:
        for page in pages:  # each page filtered on its own, results one per line
            output.write_json_line(page)
        return
    _write_json(app, pages)


def _write_json(app: AppContext, data: Any) -> None:
    """Indented on a terminal, compact when piped."""
    if app.streams.stdout_is_tty:
        text = json.dumps(data, indent=2, ensure_ascii=False)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    app.streams.stdout.write(json_for_terminal(text) + "\n")
    app.streams.stdout.flush()


def _is_text(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "").lower()
    if kind.startswith("text/") or kind.endswith(("+xml", "/xml")):
        return True
    if kind:
        return False
    try:
        response.content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in response.content


def _save(app: AppContext, content: bytes, out: str, *, force: bool) -> None:
    """`-o FILE`: written to a temporary file beside it and moved into place, never over an
    existing file without --force. `-o -` is stdout, for a binary answer on a terminal."""
    if out == "-":
        app.streams.stdout.flush()
        app.streams.stdout_binary.write(content)
        app.streams.stdout_binary.flush()
        return
    target = Path(out)
    if target.is_dir():
        raise UsageError(f"{out} is a directory", hint="give a file name with -o")
    if target.exists() and not force:
        raise UsageError(f"{out} already exists", hint="add --force to overwrite it")
    try:
        sink, part = PART_FILES.create(target)
    except OSError as exc:
        raise write_error(exc, target) from None
    try:
        with sink:
            sink.write(content)
        PART_FILES.commit(part, target, replace=force)
    except OSError as exc:
        PART_FILES.discard(part)
        raise write_error(exc, target) from None
    except BaseException:
        PART_FILES.discard(part)
        raise
    app.output.info(f"saved {target.resolve()} ({len(content):,} bytes)")
