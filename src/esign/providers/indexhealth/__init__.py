"""IndexHealth documents API client; see shared/providers/indexhealth.md.

IndexHealth stores documents in collections; it has no signature requests. It authenticates
with client credentials exchanged for a bearer token, which is cached (in the keyring beside the
profile's secret, else in memory) and renewed once when a call answers 403 UNAUTHORIZED.
Every JSON answer is an envelope `{statusCode, data, message}` whose code wins over the HTTP
status line when they disagree. Wire field names live only in this package.

- `client.py`: `IndexHealthClient`, the base of every resource class: the host, `_post`, the
  envelope and its codes mapped to esign's errors (`errors.py`: which of them a new token
  may fix).
- `auth.py`: the token exchange (spec §2) and the bearer header every call carries.
- `wire.py`: IndexHealth's documents (spec §3) to esign's models.
- one module per resource, each an `IndexHealthClient` subclass: `documents.py` (§3) and
  `requests.py` (none: each operation says what to use instead).
- `provider.py`: `IndexHealth`, every resource class combined. A new endpoint family
  (collections, ...) is a new module with one class, added to `IndexHealth`'s bases.
"""

from esign.providers.indexhealth.provider import IndexHealth

__all__ = ["IndexHealth"]
