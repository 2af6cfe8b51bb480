"""The import direction between esign's layers, read from the source (no module is imported):
the commands (`cli`) use `ops`, `core` and `providers`; multi-step work (`ops`) uses `core` and
`providers` and never Typer; a provider uses `core`; `core` uses only itself; and the sandbox
is a separate program that imports nothing of the client. Inside `providers/` and `sandbox/`,
each provider's package stands alone."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.paths import PACKAGE

PROVIDERS = ("okdokument", "zapsign", "indexhealth")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(path: Path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imports_in(source: str, package: str) -> set[str]:
    """Every esign module the source imports, at the top, inside functions, or for type
    checking; relative imports resolved against `package`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [base])])
            found.add(base)
            # `from esign.providers import zapsign` imports the module esign.providers.zapsign.
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "esign" or name.startswith("esign.")}


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imports_of(path: Path) -> set[str]:
    """The esign modules a file imports (`from esign import __version__` names none but the
    root package, which every layer may read)."""
    return {name for name in imports_in(path.read_text(), package_of(path)) if is_module(name)}


def files_under(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def violations(files: list[Path], allowed: tuple[str, ...]) -> list[str]:
    """`file: module` for each import of an esign module outside the allowed prefixes (and
    their submodules)."""
    found = []
    for path in files:
        for name in sorted(imports_of(path) - {"esign"}):
            if not any(name == ok or name.startswith(ok + ".") for ok in allowed):
                found.append(f"{path.relative_to(PACKAGE)}: {name}")
    return found


def test_the_sandbox_imports_nothing_of_the_client() -> None:
    assert files_under("sandbox", "zapsign")  # the packages are really read
    assert violations(files_under("sandbox"), ("esign.sandbox",)) == []


def test_core_imports_only_core() -> None:
    assert violations(files_under("core"), ("esign.core",)) == []


def test_ops_import_only_core_providers_and_ops() -> None:
    """Multi-step work knows no command layer (no Typer, no esign.cli)."""
    allowed = ("esign.core", "esign.providers", "esign.ops", "esign.sandbox")
    assert violations(files_under("ops"), allowed) == []
    typer_users = [
        str(path.relative_to(PACKAGE))
        for path in files_under("ops")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            name.split(".")[0] in ("typer", "click")
            for name in (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
        )
    ]
    assert typer_users == []


def test_providers_import_only_core_and_providers() -> None:
    assert violations(files_under("providers"), ("esign.core", "esign.providers")) == []


@pytest.mark.parametrize("layer", ["providers", "sandbox"])
@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_package_stands_alone(layer: str, provider: str) -> None:
    """A provider's package (client or emulator) reaches no other provider's package: what
    they share lives outside them (`providers/base.py`, `sandbox/state.py`, ...)."""
    files = files_under(layer, provider)
    assert files, f"{layer}/{provider}/ is a package"
    others = tuple(f"esign.{layer}.{other}" for other in PROVIDERS if other != provider)
    found = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in files
        for name in sorted(imports_of(path))
        if any(name == other or name.startswith(other + ".") for other in others)
    ]
    assert found == []


def test_relative_imports_are_resolved() -> None:
    """The checks above would miss `from ...core import x` if it were not resolved."""
    source = "from ...core import errors\nfrom . import base\nfrom .store import ZDoc\n"
    assert imports_in(source, "esign.sandbox.zapsign") >= {
        "esign.core.errors",
        "esign.sandbox.zapsign.base",
        "esign.sandbox.zapsign.store",
    }
