"""The config file: profiles and settings, never secrets (ARCHITECTURE.md §2)."""

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


# What each known key of config.toml holds. A wrong type is an error naming the key: a string
# "false" for allow_http used to enable plain HTTP (any non-empty string is true). Keys not
# listed pass through untouched, for settings a newer esign reads.
TOP_LEVEL_TYPES: dict[str, type] = {"schema": int, "default_profile": str, "profiles": dict}
PROFILE_TYPES: dict[str, type] = {
    "provider": str,
    "base_url": str,
    "allow_http": bool,
    "proxy": str,
    "ca_bundle": str,
    "rate": str,
    "client_id": str,
    "user_email": str,
    "user_first_name": str,
    "user_last_name": str,
    "group_name": str,
    "fingerprint": str,
}
_TOML_TYPE_NAMES = {str: "a string", bool: "true or false", dict: "a table", int: "an integer"}


def _toml_type(value: Any) -> str:
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number")):
        if isinstance(value, kind):
            return name
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


def _check_type(path: Path, key: str, value: Any, kind: type) -> None:
    # bool is an int in Python; TOML keeps them apart, and so does this check.
    wrong = not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))
    if wrong:
        raise UsageError(
            f"config file {path}: {key} must be {_TOML_TYPE_NAMES[kind]}, not "
            f"{_toml_type(value)} ({value!r})",
            hint="fix that line of the file (e.g. allow_http = true, without quotes)",
        )


# The layout of config.toml this esign writes. A file without `schema` predates it (schema 0:
# the same keys). A migration takes a file from version N to N + 1 in place; reading applies
# them in memory, and the next edit writes the result. A newer file than this esign knows is
# refused rather than misread.
SCHEMA = 1


def _schema_0_to_1(data: Any) -> None:
    """Version 1 only adds the version itself: the keys are those of version 0."""


MIGRATIONS: dict[int, Callable[[Any], None]] = {0: _schema_0_to_1}


def migrate(path: Path, data: Any) -> None:
    """Bring `data` (a dict or a tomlkit document) to SCHEMA, in place."""
    version = data.get("schema", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise UsageError(f"config file {path}: schema must be a whole number, got {version!r}")
    if version > SCHEMA:
        raise UsageError(
            f"config file {path} is schema {version}, written by a newer esign; this one reads "
            f"up to schema {SCHEMA}",
            hint="upgrade esign (pipx upgrade esign), or point ESIGN_CONFIG_DIR elsewhere",
        )
    while version < SCHEMA:
        MIGRATIONS[version](data)
        version += 1
    if data.get("schema") != SCHEMA:
        data["schema"] = SCHEMA


def check_config(path: Path, data: Mapping[str, Any]) -> None:
    """Every known key has the type esign reads it as (exit 2 naming the key otherwise)."""
    for key, kind in TOP_LEVEL_TYPES.items():
        if key in data:
            _check_type(path, key, data[key], kind)
    for name, body in (data.get("profiles") or {}).items():
        _check_type(path, f"profiles.{name}", body, dict)
        for key, kind in PROFILE_TYPES.items():
            if key in body:
                _check_type(path, f"profiles.{name}.{key}", body[key], kind)


def _read_text(path: Path) -> str | None:
    """The file's text, None if there is none; unreadable or not UTF-8 is exit 2."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"config file {path} is not UTF-8 text (byte {exc.start})",
            hint="TOML files are UTF-8; re-save it as UTF-8",
        ) from None


def load_config(env: Mapping[str, str]) -> Config:
    path = config_dir(env) / CONFIG_FILE_NAME
    text = _read_text(path)
    if text is None:
        return Config(path=path)
    import tomllib  # only when there is a file to parse

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc
    check_config(path, data)
    migrate(path, data)
    profiles: dict[str, Profile] = {}
    for name, body in (data.get("profiles") or {}).items():
        if "provider" not in body:
            raise UsageError(f"profile {name!r} in {path} has no provider")
        extra = {k: v for k, v in body.items() if k not in ("provider", "base_url")}
        profiles[name] = Profile(
            name=name,
            provider=body["provider"],
            base_url=body.get("base_url"),
            settings=extra,
        )
    default = data.get("default_profile")
    return Config(path=path, default_profile=default, profiles=profiles)


def ensure_private_dir(path: Path) -> None:
    """Create the directory 0700 if it is missing. One that exists is left as it is: the user
    chose it (ESIGN_CONFIG_DIR=~/work, a shared directory) and its mode is theirs to set."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)


def write_private_file(path: Path, text: str) -> None:
    """Atomically: a 0600 temp file beside the target, fsync, rename. A crash leaves either
    the old file or the new one, never half of one. A symlink (config.toml kept in a dotfiles
    repository) stays a symlink: the file it points to is the one replaced."""
    import tempfile

    if path.is_symlink():
        path = Path(os.path.realpath(path))
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
def config_lock(env: Mapping[str, str]) -> Iterator[None]:
    """An exclusive lock across esign processes for a read-modify-write of the config, or of
    the --insecure-storage credentials file."""
    import fcntl

    directory = config_dir(env)
    ensure_private_dir(directory)
    with open(directory / ".config.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


HEADER = "# esign configuration: profiles and settings, never secrets.\n"


def update_config(env: Mapping[str, str], change: Callable[[dict[str, Any]], None]) -> Config:
    """Read the config fresh under the lock, apply `change` to its data, write it back. The
    document is edited in place (tomlkit): the user's comments and layout survive."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    path = config_dir(env) / CONFIG_FILE_NAME
    with config_lock(env):
        text = _read_text(path)
        try:
            document = tomlkit.parse(text) if text is not None else tomlkit.document()
        except ParseError as exc:
            raise UsageError(f"config file {path} is not valid TOML: {exc}") from exc
        check_config(path, document)
        migrate(path, document)
        change(document)
        written = tomlkit.dumps(document)
        write_private_file(path, written if text is not None else HEADER + written)
    return load_config(env)
