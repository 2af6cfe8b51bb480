"""OKdokument emulator, mounted under `/okdokument`; reads like shared/providers/okdokument.md.

Routes keep the spec's paths beneath the prefix: `/JSON/...` for the API, `/openDocument/{id}`
and `/viewDocument` for the signer. Where the spec is silent, the choices of its §13 are
followed and marked "(invented)" or "(inferred)".

- `store.py`: the state (API keys, documents, signature requests, counters) and its
  operations.
- `conventions.py`: the spec's cross-cutting conventions (§3): envelopes, timestamps, the
  uploaded file's content and limits.
- `base.py`: what every section builds on: the mount prefix, the API key (§2), the body.
- one routes module per section of the spec's endpoints (§6): `requests.py` (signature
  requests, 6.1, 6.11, 6.12, 6.14, and their `rules` and `allowedFields`, §7, §8),
  `documents.py` (6.2, 6.3, 6.7-6.10), `counter.py` (6.13), `signing.py` (the signer's side,
  6.4-6.6) with `otp.py` (the OTP for opening, 5.7).
- `api.py`: `OKdokumentApi`, every section in one class, and its route table.
"""

from esign.sandbox.okdokument.api import OKdokumentApi
from esign.sandbox.okdokument.base import PREFIX
from esign.sandbox.okdokument.store import (
    DEMO_API_KEY,
    FORBIDDEN_API_KEY,
    OKdokumentStore,
    new_document_id,
)

__all__ = [
    "DEMO_API_KEY",
    "FORBIDDEN_API_KEY",
    "PREFIX",
    "OKdokumentApi",
    "OKdokumentStore",
    "new_document_id",
]
