"""The config file: profiles and settings, never secrets (DESIGN §2)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esign.core.errors import UsageError

CONFIG_FILE_NAME = "config.toml"


def config_dir(env: Mapping[str, str]) -> Path:
    override = env.get("ESIGN_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("esign"))


@dataclass(frozen=True)
class Profile:
    name: str
    provider: str
    base_url: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: Path
    default_profile: str | None = None
    profiles: Mapping[str, Profile] = field(default_factory=dict)


def load_config(env: Mapping[str, str]) -> Config:
    import tomllib

    path = config_dir(env) / CONFIG_FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc
    profiles: dict[str, Profile] = {}
    for name, body in (data.get("profiles") or {}).items():
        if not isinstance(body, dict) or "provider" not in body:
            raise UsageError(f"profile {name!r} in {path} has no provider")
        extra = {k: v for k, v in body.items() if k not in ("provider", "base_url")}
        profiles[name] = Profile(
            name=name,
            provider=str(body["provider"]),
            base_url=body.get("base_url"),
            settings=extra,
        )
    default = data.get("default_profile")
    return Config(path=path, default_profile=default, profiles=profiles)


def ensure_private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
