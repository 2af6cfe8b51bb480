"""Provider name -> class, imported only when a command needs it (start-up stays fast)."""

from __future__ import annotations

import importlib

from esign.providers.base import Provider

_MODULES = {
    "okdokument": ("esign.providers.okdokument", "OKdokument"),
    "zapsign": ("esign.providers.zapsign", "ZapSign"),
    "indexhealth": ("esign.providers.indexhealth", "IndexHealth"),
}


def provider_class(name: str) -> type[Provider]:
    module_name, class_name = _MODULES[name]
    cls: type[Provider] = getattr(importlib.import_module(module_name), class_name)
    return cls
