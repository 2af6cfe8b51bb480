"""Provider API clients, one package per provider, behind `esign.providers.base.Provider`.

Each package has the same shape: `client.py` (the base class: credentials, URLs, the call
helper, HTTP errors), `errors.py`, `wire.py` (the provider's wire format to `esign.core.models`),
one module per resource (`documents.py`, `requests.py`, ...), each a class on top of the
client, and `provider.py` combining them into the class `registry.py` names.
"""
