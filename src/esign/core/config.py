"""The config file: profiles and settings, never secrets (DESIGN §2)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
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
    path = config_dir(env) / CONFIG_FILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from exc
    import tomllib  # only when there is a file to parse

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


def write_private_file(path: Path, text: str) -> None:
    """Atomically: a 0600 temp file beside the target, fsync, rename. A crash leaves either
    the old file or the new one, never half of one."""
    import tempfile

    ensure_private_dir(path.parent)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """An exclusive lock across esign processes for a read-modify-write of the config."""
    import fcntl

    ensure_private_dir(directory)
    with open(directory / ".config.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def update_config(env: Mapping[str, str], change: Callable[[dict[str, Any]], None]) -> Config:
    """Read the config fresh under the lock, apply `change` to its data, write it back."""
    import tomllib

    import tomli_w

    directory = config_dir(env)
    path = directory / CONFIG_FILE_NAME
    with _locked(directory):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            data = {}
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc
        change(data)
        header = "# esign configuration: profiles and settings, never secrets.\n"
        write_private_file(path, header + tomli_w.dumps(data))
    return load_config(env)
