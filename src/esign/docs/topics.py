"""The help topics: environment, exit codes, formatting, files. Plain text, one source for
`esign help TOPIC` and the man pages' ENVIRONMENT, EXIT STATUS and FILES sections."""

from __future__ import annotations

ENVIRONMENT: list[tuple[str, str]] = [
    ("ESIGN_PROFILE", "Profile to use from the config file (an explicit --profile wins)."),
    ("ESIGN_PROVIDER", "Provider: okdokument, zapsign or indexhealth."),
    ("ESIGN_BASE_URL", "The provider's API base URL."),
    ("ESIGN_API_KEY", "OKdokument API key or ZapSign API token. Never put it in a flag."),
    ("ESIGN_CLIENT_ID", "IndexHealth client ID."),
    ("ESIGN_CLIENT_SECRET", "IndexHealth client secret."),
    ("ESIGN_USER_EMAIL", "IndexHealth user email."),
    ("ESIGN_USER_FIRST_NAME", "IndexHealth user first name."),
    ("ESIGN_USER_LAST_NAME", "IndexHealth user last name."),
    ("ESIGN_GROUP_NAME", "IndexHealth group (domain) name."),
    ("ESIGN_FINGERPRINT", "IndexHealth installation fingerprint (default: stable per profile)."),
    ("ESIGN_CONFIG_DIR", "Directory of config.toml (default: the platform's config directory)."),
    ("ESIGN_DATA_DIR", "Directory of the --insecure-storage credentials file."),
    ("ESIGN_TIMEOUT", "Connect/read timeout in seconds for each HTTP request (default 30)."),
    (
        "ESIGN_MAX_ATTEMPTS",
        "Attempts per request when retrying safe failures (default 3, at most 20).",
    ),
    (
        "ESIGN_RATE",
        "Pace of API requests, e.g. 500/m or 20/s, or none (as --rate; a profile's rate key is "
        "next; default: the provider's documented limit, ZapSign 500/m).",
    ),
    ("ESIGN_NO_INPUT", "1, true, yes or on (any case): never prompt (as --no-input)."),
    (
        "ESIGN_DEBUG",
        "1, true, yes or on (any case): trace HTTP on stderr with secrets redacted (as --debug).",
    ),
    (
        "ESIGN_SANDBOX_URL",
        "Where esign sandbox sign finds the sandbox when ESIGN_BASE_URL is not a sandbox's "
        "(default http://127.0.0.1:8765).",
    ),
    (
        "ESIGN_PROXY",
        "Proxy URL for every request (as --proxy; a profile's proxy key is next); empty: "
        "ignore the proxy variables below.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY",
        "Proxy for https:// and http:// URLs (lower case too, and first, as curl reads them): "
        "http://, https://, socks5:// or socks5h://, with user:password@ if the proxy asks. "
        "The password is never printed.",
    ),
    (
        "NO_PROXY",
        "Hosts reached directly: comma-separated names (each with its subdomains), IP "
        "addresses, CIDR ranges, host:port, or * for all.",
    ),
    (
        "ESIGN_CA_BUNDLE",
        "PEM file of CA certificates to trust instead of the system's trust store (as "
        "--ca-bundle; a profile's ca_bundle key is next).",
    ),
    (
        "ESIGN_SANDBOX_TOKEN",
        "The admin token esign sandbox serve prints when it listens beyond loopback.",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "CA certificates to trust for https:// instead of the operating system's trust store "
        "(ESIGN_CA_BUNDLE wins over them).",
    ),
    ("PYTHON_KEYRING_BACKEND", "Use this keyring backend class instead of the detected one."),
    ("NO_COLOR", "Any value: no colour (it wins over the two below)."),
    ("FORCE_COLOR", "Any value but empty or 0: colour even when stdout is not a terminal."),
    ("CLICOLOR_FORCE", "Not 0: colour even when stdout is not a terminal."),
]

PRECEDENCE = (
    "Precedence, highest first: flag, environment, profile in config.toml, built-in default. "
    "An explicit --profile NAME ignores every ESIGN_* setting and credential; without it, "
    "ESIGN_PROFILE (or the default profile) is used and ESIGN_* values override its fields."
)

EXIT_CODES: list[tuple[str, str]] = [
    ("0", "Success (an empty list too)."),
    ("1", "Unexpected failure: provider 5xx after retries, network failure, malformed response."),
    ("2", "Usage error: bad flag or argument, invalid local input, operation the provider lacks."),
    (
        "3",
        "Cancelled: confirmation declined, or a prompt was needed under --no-input or "
        "without a terminal.",
    ),
    ("4", "Authentication or permission: missing, rejected or expired credentials."),
    ("5", "Not found: the document or request does not exist."),
    (
        "6",
        "Rejected: the provider refused the request as invalid or conflicting, or the "
        "document is not in a state that allows it.",
    ),
    ("7", "Rate limited, still after the retries."),
    ("8", "Still pending when a wait timed out."),
    ("130", "Interrupted (Ctrl-C); partial downloads are removed."),
]

FORMATTING: list[str] = [
    "stdout carries data only; progress, warnings, hints and prompts go to stderr.",
    "On a terminal the result is a readable table. When stdout is not a terminal, or with "
    "--json, it is JSON; --output json|table overrides the choice.",
    "--raw prints the provider's own response body instead of the normalized model.",
    "--json FIELDS (or --json=FIELDS) prints only those top-level fields: --json id,status. "
    "--jq EXPR filters the JSON (the normalized object, or the provider's body with --raw) "
    "with a jq expression; strings print raw, several results one per line, and --jq implies "
    "JSON. A bad expression is exit 2.",
    "Normalized fields are the same for every provider. A document: provider, id, name, "
    "status (processing, pending, signed, refused, canceled, expired, error, unknown), "
    "provider_status, created_at, updated_at (ISO-8601 UTC to the second: "
    "2026-03-01T10:00:00Z), signers[], files (original, "
    "signed), deleted, parent_id, external_id, rejected_reason, lang, attachments[] (id, name, "
    "files). A signer: id, name, email, status (pending, viewed, signed, refused, unknown), "
    "signed_at, sign_url (null where the provider's answer has none).",
    "A download prints path, bytes, sha256, content_type and id; several downloads print one "
    "JSON line each.",
    'Errors are one line on stderr; with --json also a JSON object: {"error": {"code", '
    '"type", "message", "hint", "http_status", "provider", "provider_message"}}.',
    "Colour only on a terminal (or with FORCE_COLOR / CLICOLOR_FORCE), never with NO_COLOR; "
    "TERM=dumb has none unless forced.",
]

FILES: list[tuple[str, str]] = [
    (
        "~/.config/esign/config.toml",
        "Profiles and settings, never secrets (mode 0600; ESIGN_CONFIG_DIR moves it).",
    ),
    (
        'OS keyring, service "esign"',
        "Secrets, one entry per profile and secret name "
        "(PROFILE:api_key, PROFILE:client_secret, PROFILE:access_token).",
    ),
    (
        "~/.local/share/esign/credentials.json",
        "Fallback secrets file written only by "
        "esign auth login --insecure-storage (mode 0600; ESIGN_DATA_DIR moves it).",
    ),
]


def topic_text(name: str) -> str | None:
    """A topic as terminal text, or None if there is no such topic."""
    if name == "providers":
        from esign.providers.registry import describe

        return describe()
    if name == "environment":
        width = max(len(k) for k, _ in ENVIRONMENT)
        lines = [f"  {k:<{width}}  {v}" for k, v in ENVIRONMENT]
        return "Environment variables\n\n" + "\n".join(lines) + "\n\n" + PRECEDENCE + "\n"
    if name == "exit-codes":
        lines = [f"  {k:>3}  {v}" for k, v in EXIT_CODES]
        return "Exit codes\n\n" + "\n".join(lines) + "\n"
    if name == "formatting":
        return "Output formatting\n\n" + "\n".join(f"  - {line}" for line in FORMATTING) + "\n"
    if name == "files":
        lines = [f"  {k}\n      {v}" for k, v in FILES]
        return "Files\n\n" + "\n".join(lines) + "\n"
    return None


TOPICS = ("environment", "exit-codes", "formatting", "files", "providers")
