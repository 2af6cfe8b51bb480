"""OKdokument (Signatus / ANASOFT) API client; see shared/providers/okdokument.md.

Wire field names (`filedata`, `resulturl`, `sendInfoURL`, `changeState`, ...) live only in
this package. Where the spec is unsure, both forms are accepted (noted at each place).

- `client.py`: `OKdokumentClient`, the base of every resource class: API key, URLs, `_call`,
  and HTTP errors mapped to esign's (the body parsing for that in `errors.py`).
- `wire.py`: OKdokument's document metadata (spec §6.10) to esign's models, and the values
  requests carry; `local_time.py`: the servers' Bratislava wall-clock time (§3.4).
- one module per resource, each an `OKdokumentClient` subclass: `requests.py` (signature
  requests, §6.1 with its rules and fields (§7, §8), §6.11, §6.12), `documents.py` (§6.3,
  §6.7-§6.10) and `account.py` (the counter, §6.13); `unsupported.py` says what OKdokument
  has instead of what it lacks (signers, history, attachments, templates).
- `provider.py`: `OKdokument`, every resource class combined. A new resource (templates,
  account, ...) is a new module with one class, added to `OKdokument`'s bases.
"""

from esign.providers.okdokument.provider import OKdokument

__all__ = ["OKdokument"]
