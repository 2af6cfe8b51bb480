"""IndexHealth emulator, mounted under `/indexhealth`; reads like shared/providers/indexhealth.md.

Its API lives directly under the prefix (`/indexhealth/sync-document`, ...), as the spec's
examples put it directly under the host. Presigned files are served at `/indexhealth/files/...`.
Knobs on the store let tests meet each variant the spec leaves open: where the custom status
codes appear (`status_mode`), the token answer's form (`legacy_token_answer`), and token
lifetime with or without an `exp` claim.

- `store.py`: the state (clients, collections, documents, the knobs) and the tokens it issues.
- `base.py`: what every section builds on: the mount prefix, the envelope (§1), the bearer
  token check, the body.
- one routes module per section of the spec: `auth.py` (§2, the token), `documents.py`
  (§3.1-§3.3), `downloads.py` (§3.4, §3.5 and the presigned files).
- `api.py`: `IndexHealthApi`, every section in one class, and its route table.
"""

from esign.sandbox.indexhealth.api import IndexHealthApi
from esign.sandbox.indexhealth.base import PREFIX
from esign.sandbox.indexhealth.store import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_COLLECTION,
    DEMO_USER,
    IndexHealthStore,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_COLLECTION",
    "DEMO_USER",
    "PREFIX",
    "IndexHealthApi",
    "IndexHealthStore",
]
