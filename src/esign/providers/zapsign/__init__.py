"""ZapSign API v1 client; see shared/providers/zapsign.md.

Wire field names (`base64_pdf`, `signers`, `date_limit_to_sign`, `signed_file`, ...) live only
in this package. Where the spec is unsure, both forms are accepted (noted at each place).

- `client.py`: `ZapSignClient`, the base of every resource class: token, URLs, `_call`, and
  HTTP errors mapped to esign's (the body parsing for that in `errors.py`).
- `wire.py`: ZapSign's objects (spec §6) to esign's models.
- one module per resource, each a `ZapSignClient` subclass: `documents.py` (spec §7),
  `requests.py` (a signature request is a document with signers, §7.1, §7.4, §7.6, §8.2,
  and from a template), `signers.py` (§8, with `signer_fields.py` for the signer objects a
  request carries), `audit.py` (§7.7), `attachments.py` (§7.8), `templates.py` and
  `account.py` (§10).
- `provider.py`: `ZapSign`, every resource class combined. A new resource (signers,
  webhooks, ...) is a new module with one class, added to `ZapSign`'s bases.
"""

from esign.providers.zapsign.provider import ZapSign

__all__ = ["ZapSign"]
