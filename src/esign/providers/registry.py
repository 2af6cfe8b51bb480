"""Provider name -> class, imported only when a command needs it (start-up stays fast)."""

from __future__ import annotations

import importlib

from esign.core.errors import UnsupportedError
from esign.providers.base import Provider

_MODULES = {
    "okdokument": ("esign.providers.okdokument", "OKdokument"),
    "zapsign": ("esign.providers.zapsign", "ZapSign"),
}
_PLANNED = {"indexhealth": "IndexHealth"}


def provider_class(name: str) -> type[Provider]:
    if name in _PLANNED:
        raise UnsupportedError(
            f"{_PLANNED[name]} support is not available yet in this version of esign",
            hint="OKdokument and ZapSign are supported today; see the CHANGELOG",
            provider=name,
        )
    module_name, class_name = _MODULES[name]
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls
