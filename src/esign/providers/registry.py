"""The providers esign knows: built in, and added by other packages through the
`esign.providers` entry point group. Names and titles are data here; a provider's module is
imported only when a command uses it, and plug-ins are looked up only when a name is not
built in (or when every name is asked for: `esign help providers`, TAB completion), so
`esign --help` and a built-in provider's commands never read other packages' metadata.

Adding a provider (ARCHITECTURE.md, "Add a provider"): a package under esign/providers/ and
one entry in esign/providers/builtin.py; or, from another package, an entry point
`[project.entry-points."esign.providers"] NAME = "module:ProviderClass"`, the class declaring
`name`, `title`, `secret` and `default_base_url` like the built-in ones.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, NamedTuple, cast

from esign.core.config.catalog import CredentialName, ProviderInfo
from esign.core.errors import UsageError
from esign.providers.builtin import BUILTIN_PROVIDERS

if TYPE_CHECKING:
    from esign.providers.base import Provider

ENTRY_POINT_GROUP = "esign.providers"


class Entry(NamedTuple):  # not a dataclass: cheaper to define on every start-up
    info: ProviderInfo
    target: str  # "module:Class"


def builtin_entries() -> dict[str, Entry]:
    """The built-in providers (esign.providers.builtin), read each time: three entries."""
    return {
        name: Entry(ProviderInfo(name, title, cast(CredentialName, credential), base), target)
        for name, (title, credential, base, target) in BUILTIN_PROVIDERS.items()
    }


def _load(target: str) -> type[Provider]:
    module_name, _, class_name = target.partition(":")
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls


@cache
def _plugin_targets() -> dict[str, str]:
    """Plug-in name -> "module:Class", from installed packages' metadata (nothing imported)."""
    from importlib.metadata import entry_points

    return {
        ep.name: ep.value
        for ep in entry_points(group=ENTRY_POINT_GROUP)
        if ep.name not in BUILTIN_PROVIDERS  # a plug-in cannot take a built-in provider's name
    }


@cache
def _plugin_entry(name: str) -> Entry | None:
    target = _plugin_targets().get(name)
    if target is None:
        return None
    try:
        cls = _load(target)
        credential: CredentialName = cls.credential
        info = ProviderInfo(name, cls.title, credential, cls.default_base_url or None)
    except Exception as exc:  # a broken plug-in is the user's to fix, not a traceback
        raise UsageError(
            f"the provider plug-in {name!r} ({target}) cannot be loaded: {exc}",
            hint="reinstall or remove the package that provides it",
        ) from exc
    return Entry(info, target)


class Registry:
    """The provider catalog settings read (esign.core.config.catalog)."""

    def info(self, name: str) -> ProviderInfo | None:
        entry = builtin_entries().get(name) or _plugin_entry(name)
        return entry.info if entry else None

    def names(self) -> list[str]:
        return [*BUILTIN_PROVIDERS, *sorted(_plugin_targets())]


REGISTRY = Registry()


def provider_class(name: str) -> type[Provider]:
    entry = builtin_entries().get(name) or _plugin_entry(name)
    if entry is None:
        raise UsageError(
            f"unknown provider {name!r}", hint=f"choose one of {', '.join(REGISTRY.names())}"
        )
    return _load(entry.target)


def describe() -> str:
    """`esign help providers`: every provider, built in or plug-in, and how it signs in."""
    lines = ["Providers (ESIGN_PROVIDER, a profile's provider)", ""]
    for name in REGISTRY.names():
        builtin = name in BUILTIN_PROVIDERS
        target = BUILTIN_PROVIDERS[name][3] if builtin else _plugin_targets()[name]
        info = REGISTRY.info(name)
        assert info is not None
        where = "built in" if builtin else f"plug-in {target}"
        variable = "ESIGN_API_KEY" if info.credential == "api_key" else "ESIGN_CLIENT_SECRET"
        lines.append(f"  {name:<12}  {info.title} ({where}; secret: {variable})")
    lines += [
        "",
        "A package adds a provider with an entry point in the esign.providers group:",
        '  [project.entry-points."esign.providers"]',
        '  myprovider = "my_package.module:MyProvider"',
    ]
    return "\n".join(lines) + "\n"
