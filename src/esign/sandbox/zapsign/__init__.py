"""ZapSign emulator, mounted under `/zapsign`; reads like shared/providers/zapsign.md.

The API keeps its documented paths beneath the prefix (`/zapsign/api/v1/docs/{token}/`), with
and without the trailing slash. Signer pages live at `/zapsign/verificar/{signer_token}` and
presigned files at `/zapsign/files/...`, outside the API path, as S3 is outside the API host.

- `store.py`: the state (accounts, documents, signers, webhooks) and its operations.
- `base.py`, `objects.py`, `lifecycle.py`: what every section builds on, in that order:
  authentication and rate limit (spec §2, §4) and error bodies (§5); the JSON of documents
  and signers (§6.5, §6.6); signing, refusing and the webhooks they fire (§9.1).
- one routes module per section of the spec: `documents.py` (§7, with `validation.py` for
  what a create may carry), `history.py` (§7.7), `signers.py` (§8), `webhooks.py` (§9.2),
  `templates.py` and `account.py` (§10); and, outside the API, `files.py` (the presigned S3
  files) and `pages.py` (the signer's pages).
- `api.py`: `ZapSignApi`, every section in one class, and its route table.
"""

from esign.sandbox.zapsign.api import ZapSignApi
from esign.sandbox.zapsign.base import PREFIX
from esign.sandbox.zapsign.store import (
    DEMO_API_TOKEN,
    NO_PLAN_API_TOKEN,
    OTHER_ENV_API_TOKEN,
    Account,
    ZapSignStore,
)

__all__ = [
    "DEMO_API_TOKEN",
    "NO_PLAN_API_TOKEN",
    "OTHER_ENV_API_TOKEN",
    "PREFIX",
    "Account",
    "ZapSignApi",
    "ZapSignStore",
]
