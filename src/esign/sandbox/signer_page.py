"""The HTML of the sandbox's signer pages (ZapSign's `/verificar/{token}`, OKdokument's
`/viewDocument`): one simple, accessible page a person can try the flow with, and that says
plainly it is a sandbox. Each provider's emulator fills it with what its signer sees.

Everything shown is escaped: document names, signer names and reasons come from API callers.
No script runs on these pages; the browser's own form validation asks for what is required
and the server checks it again.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field

# No script at all; styles inline; the PDF framed from this origin only; and the page itself
# may not be framed by another site (a signing page is worth clickjacking).
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; img-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
TEXT_LIMIT = 6000  # characters of the document's text shown on the page

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
.banner{background:#fff4ce;border-bottom:3px solid #b58900;padding:.75rem 1.25rem}
.banner strong{text-transform:uppercase;letter-spacing:.05em}
main{max-width:56rem;margin:0 auto;padding:1rem 1.25rem 3rem}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1rem 1.25rem;
margin:1rem 0}
h1{font-size:1.6rem;margin:1rem 0 .25rem}h2{font-size:1.2rem;margin:.25rem 0 .75rem}
iframe{width:100%;height:26rem;border:1px solid #d0d7de;border-radius:4px;background:#eee}
pre{white-space:pre-wrap;background:#f6f8fa;padding:.75rem;border-radius:4px;max-height:16rem;
overflow:auto}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
label.inline{display:inline;font-weight:400;margin-left:.4rem}
input[type=text],textarea{font:inherit;width:100%;max-width:30rem;padding:.4rem;
border:1px solid #8c959f;border-radius:4px;box-sizing:border-box}
textarea{min-height:4.5rem}
.check{margin:.75rem 0}
button,.button{font:inherit;font-weight:600;padding:.5rem 1.25rem;border-radius:6px;
border:1px solid transparent;cursor:pointer;margin-top:.75rem;display:inline-block;
text-decoration:none}
.sign{background:#1f883d;color:#fff}.refuse{background:#fff;color:#cf222e;border-color:#cf222e}
.button{background:#0969da;color:#fff}
:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.alert{border-left:4px solid #cf222e;background:#ffebe9;padding:.5rem .75rem}
.done{border-left:4px solid #1f883d}.refused{border-left:4px solid #cf222e}
.note{color:#57606a;font-size:.9rem}
ul.signers{padding-left:1.2rem}
"""


@dataclass(frozen=True)
class SignerLine:
    name: str
    state: str  # in words: "has signed", "has not opened the link yet", ...
    you: bool = False


@dataclass(frozen=True)
class Refusal:
    """How this provider's signer says no: its button label, whether a reason is asked for
    (ZapSign records one; OKdokument does not), and a note on what the sender learns."""

    button: str
    asks_reason: bool
    note: str


@dataclass
class SigningPage:
    provider: str  # "ZapSign", "OKdokument"
    document_name: str
    pdf_url: str | None
    pdf_bytes: bytes | None
    action: str  # where both forms post
    signers: list[SignerLine]
    refusal: Refusal
    name: str = ""  # the signer's name, pre-filled
    sign_button: str = "Sign"
    hidden: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass
class ResultPage:
    provider: str
    document_name: str
    outcome: str  # "signed" | "refused" | another state, in words
    message: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    signers: list[SignerLine] = field(default_factory=list)


def banner(provider: str) -> str:
    return (
        '<header class="banner" role="note"><strong>Sandbox</strong> &mdash; this is the esign '
        f"sandbox's stand-in for {e(provider)}'s signing page. It is not a real signature: "
        "nothing signed here has legal validity, and no e-mail or message is sent.</header>"
    )


def signing_page(page: SigningPage) -> str:
    alert = f'<p class="alert" role="alert">{e(page.error)}</p>' if page.error else ""
    hidden = "".join(
        f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in page.hidden.items()
    )
    reason = ""
    if page.refusal.asks_reason:
        reason = (
            '<label for="reason">Why do you refuse to sign? (required)</label>'
            '<textarea id="reason" name="reason" required maxlength="500"></textarea>'
        )
    body = f"""
<h1>Sign &ldquo;{e(page.document_name)}&rdquo;</h1>
{alert}
{_document(page)}
<section aria-labelledby="signers-h"><h2 id="signers-h">Who signs</h2>{_signers(page.signers)}
</section>
<section aria-labelledby="sign-h"><h2 id="sign-h">Sign</h2>
<form method="post" action="{e(page.action)}">{hidden}
<label for="name">Your full name</label>
<input type="text" id="name" name="name" value="{e(page.name)}" required maxlength="255"
 autocomplete="name">
<div class="check"><input type="checkbox" id="agree" name="agree" value="yes" required>
<label class="inline" for="agree">I have read the document and I agree to sign it</label></div>
<button type="submit" class="sign" name="action" value="sign">{e(page.sign_button)}</button>
</form></section>
<section aria-labelledby="refuse-h"><h2 id="refuse-h">Refuse</h2>
<form method="post" action="{e(page.action)}">{hidden}{reason}
<p class="note">{e(page.refusal.note)}</p>
<button type="submit" class="refuse" name="action" value="refuse">{e(page.refusal.button)}</button>
</form></section>"""
    return _html(f"Sign {page.document_name} - {page.provider} sandbox", page.provider, body)


def result_page(page: ResultPage) -> str:
    kind = {"signed": "done", "refused": "refused"}.get(page.outcome, "")
    links = "".join(
        f'<p><a class="button" href="{e(url)}">{e(text)}</a></p>' for text, url in page.links
    )
    signers = f'<h2 id="signers-h">Who signs</h2>{_signers(page.signers)}' if page.signers else ""
    body = f"""
<h1>{e(page.document_name)}</h1>
<section class="{kind}" role="status" aria-labelledby="result-h">
<h2 id="result-h">{e(page.outcome.capitalize())}</h2><p>{e(page.message)}</p>{links}
</section>
{f'<section aria-labelledby="signers-h">{signers}</section>' if signers else ""}"""
    title = f"{page.outcome.capitalize()}: {page.document_name} - {page.provider} sandbox"
    return _html(title, page.provider, body)


def message_page(provider: str, title: str, message: str) -> str:
    body = f'<h1>{e(title)}</h1><p class="alert" role="alert">{e(message)}</p>'
    return _html(f"{title} - {provider} sandbox", provider, body)


def document_text(pdf: bytes | None) -> str:
    """The text of the first pages, for reading without a PDF viewer (and for screen
    readers); empty when the file is not a PDF pypdf can read."""
    if not pdf:
        return ""
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(pdf))
        text = "\n".join((p.extract_text() or "") for p in reader.pages[:5])
    except Exception:  # any unreadable file simply has no text shown
        return ""
    return text.strip()[:TEXT_LIMIT]


def e(text: str | None) -> str:
    return html.escape(text or "", quote=True)


def _document(page: SigningPage) -> str:
    if page.pdf_url is None:
        return "<section><h2>The document</h2><p>This document has no PDF to show.</p></section>"
    size = f" ({len(page.pdf_bytes) // 1024 + 1} KB)" if page.pdf_bytes else ""
    text = document_text(page.pdf_bytes)
    details = (
        f"<details><summary>Read the document as text</summary><pre>{e(text)}</pre></details>"
        if text
        else ""
    )
    return f"""<section aria-labelledby="doc-h"><h2 id="doc-h">The document</h2>
<iframe src="{e(page.pdf_url)}" title="The document to sign: {e(page.document_name)} (PDF)">
</iframe>
<p><a href="{e(page.pdf_url)}" target="_blank" rel="noopener">Open the PDF</a>{size}</p>
{details}</section>"""


def _signers(signers: list[SignerLine]) -> str:
    items = "".join(
        f"<li>{e(s.name)}{' <strong>(you)</strong>' if s.you else ''} &mdash; {e(s.state)}</li>"
        for s in signers
    )
    return f'<ul class="signers">{items}</ul>'


def _html(title: str, provider: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{STYLE}</style></head>
<body>{banner(provider)}<main>{body}</main></body></html>"""
