"""What settings must know of each provider, without importing any: its name, its title, the
secret it authenticates with, and its public API base. The providers' registry
(esign.providers.registry) is the catalog; settings receive it rather than import it, so that
core never depends on the providers."""

from __future__ import annotations

from typing import Literal, NamedTuple, Protocol

CredentialName = Literal["api_key", "client_secret"]


class ProviderInfo(NamedTuple):  # not a dataclass: cheaper to define on every start-up
    name: str
    title: str
    credential: CredentialName  # the secret it authenticates with
    default_base_url: str | None  # None: the customer is given a host (IndexHealth)


class ProviderCatalog(Protocol):
    def info(self, name: str) -> ProviderInfo | None:
        """The provider called `name`, or None if there is none."""
        ...

    def names(self) -> list[str]:
        """Every provider's name, built-in ones first."""
        ...
