"""Where secrets live: the OS keyring, or a 0600 file the user asked for (DESIGN §3).

Every keyring call runs on a worker thread with a deadline, so a hung Secret Service (a locked
desktop session, a D-Bus that never answers) cannot hang the CLI. Nothing here is used when the
environment supplies the credential: CI machines have no keyring at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from esign.core.errors import AuthError

KEYRING_SERVICE = "esign"
KEYRING_TIMEOUT = 3.0
SECRET_NAMES = ("api_key", "client_secret", "access_token")
T = TypeVar("T")


class CredentialStoreError(AuthError):
    """The place secrets live could not be used (exit 4: a credential is unavailable)."""

    error_type = "credential_store"


def keyring_unavailable(reason: str) -> CredentialStoreError:
    return CredentialStoreError(
        f"the OS keyring is not usable: {reason}",
        hint="set the credential in the environment (ESIGN_API_KEY or ESIGN_CLIENT_SECRET), "
        "or store it in a file with `esign auth login --insecure-storage`",
    )


def entry_name(profile: str, name: str) -> str:
    """One keyring entry per profile and secret name."""
    return f"{profile}:{name}"


class KeyringStore:
    def __init__(self, backend: Any = None, timeout: float = KEYRING_TIMEOUT) -> None:
        self._backend = backend
        self.timeout = timeout

    def _run(self, operation: Callable[[], T]) -> T:
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                outcome["value"] = operation()
            except BaseException as exc:  # handed to the caller's thread below
                outcome["error"] = exc

        worker = threading.Thread(target=work, name="esign-keyring", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise keyring_unavailable(f"it did not answer within {self.timeout:g} seconds")
        if "error" in outcome:
            raise self._translate(outcome["error"])
        return outcome["value"]  # type: ignore[no-any-return]

    def _translate(self, exc: BaseException) -> BaseException:
        import keyring.errors

        if isinstance(exc, keyring.errors.NoKeyringError):
            return keyring_unavailable("no keyring backend is installed or running")
        if isinstance(exc, keyring.errors.KeyringLocked):
            return keyring_unavailable("the keyring is locked")
        if isinstance(exc, (keyring.errors.KeyringError, OSError)):
            return keyring_unavailable(f"{type(exc).__name__}: {exc}".rstrip(": "))
        return exc

    def backend(self) -> Any:
        def load() -> Any:
            if self._backend is None:
                import keyring

                self._backend = keyring.get_keyring()
            return self._backend

        return self._run(load)

    def backend_name(self) -> str:
        backend = self.backend()
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def _usable_backend(self) -> Any:
        backend = self.backend()
        if type(backend).__module__ == "keyring.backends.fail":
            raise keyring_unavailable("no keyring backend is installed or running")
        return backend

    def get(self, profile: str, name: str) -> str | None:
        backend = self._usable_backend()
        value = self._run(lambda: backend.get_password(KEYRING_SERVICE, entry_name(profile, name)))
        return value if isinstance(value, str) else None

    def set(self, profile: str, name: str, value: str) -> None:
        backend = self._usable_backend()
        self._run(lambda: backend.set_password(KEYRING_SERVICE, entry_name(profile, name), value))

    def delete(self, profile: str, name: str) -> bool:
        import keyring.errors

        backend = self._usable_backend()

        def remove() -> bool:
            try:
                backend.delete_password(KEYRING_SERVICE, entry_name(profile, name))
            except keyring.errors.PasswordDeleteError:
                return False
            return True

        return self._run(remove)


def insecure_file_path(env: Mapping[str, str]) -> Path:
    override = env.get("ESIGN_DATA_DIR")
    if override:
        return Path(override) / "credentials.json"
    import platformdirs

    return Path(platformdirs.user_data_dir("esign")) / "credentials.json"


class FileStore:
    """The `--insecure-storage` fallback: plain JSON, mode 0600, used only when asked for."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CredentialStoreError(f"cannot read {self.path}: {exc}") from None
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        from esign.core.config import write_private_file

        write_private_file(self.path, json.dumps(data, indent=2) + "\n")

    def get(self, profile: str, name: str) -> str | None:
        value = self._read().get(profile, {}).get(name)
        return value if isinstance(value, str) else None

    def set(self, profile: str, name: str, value: str) -> None:
        data = self._read()
        data.setdefault(profile, {})[name] = value
        self._write(data)

    def delete(self, profile: str, name: str) -> bool:
        data = self._read()
        if name not in data.get(profile, {}):
            return False
        del data[profile][name]
        if not data[profile]:
            del data[profile]
        self._write(data)
        return True

    def has_profile(self, profile: str) -> bool:
        return bool(self._read().get(profile))


class Credentials:
    """Secrets per profile: the insecure file first (the user chose it explicitly), then the
    keyring. Reading from the file warns every time."""

    def __init__(self, keyring: KeyringStore, file: FileStore, warn: Callable[[str], None]) -> None:
        self.keyring = keyring
        self.file = file
        self._warn = warn

    def lookup(self, profile: str, name: str) -> tuple[str | None, str]:
        value = self.file.get(profile, name)
        if value is not None:
            self._warn(
                f"using the {name.replace('_', ' ')} of profile {profile!r} from the "
                f"unencrypted file {self.file.path} (--insecure-storage)"
            )
            return value, f"file {self.file.path}"
        return self.keyring.get(profile, name), "keyring"

    def store(self, profile: str, name: str, value: str, *, insecure: bool) -> str:
        if insecure:
            self.file.set(profile, name, value)
            return f"file {self.file.path}"
        self.keyring.set(profile, name, value)
        return f"keyring ({self.keyring.backend_name()})"

    def remove_profile(self, profile: str) -> list[str]:
        """Every secret of the profile, from both places; returns what was removed."""
        removed = [name for name in SECRET_NAMES if self.file.delete(profile, name)]
        with contextlib.suppress(CredentialStoreError):
            removed += [name for name in SECRET_NAMES if self.keyring.delete(profile, name)]
        return removed


class TokenCache:
    """An exchanged access token with its expiry, kept in the store that holds the profile's
    secret. A store that fails only costs a new token exchange, so errors are swallowed."""

    NAME = "access_token"

    def __init__(self, store: KeyringStore | FileStore, profile: str) -> None:
        self.store = store
        self.profile = profile

    def load(self) -> tuple[str, float | None] | None:
        try:
            raw = self.store.get(self.profile, self.NAME)
        except CredentialStoreError:
            return None
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            return None
        expires = data.get("expires_at")
        return data["token"], float(expires) if isinstance(expires, (int, float)) else None

    def save(self, token: str, expires_at: float | None) -> None:
        with contextlib.suppress(CredentialStoreError):
            self.store.set(
                self.profile, self.NAME, json.dumps({"token": token, "expires_at": expires_at})
            )

    def clear(self) -> None:
        with contextlib.suppress(CredentialStoreError):
            self.store.delete(self.profile, self.NAME)


def default_fingerprint(profile: str | None, client_id: str | None) -> str:
    """A stable installation fingerprint per profile (IndexHealth wants one, gap 3)."""
    import hashlib
    import socket

    seed = f"esign|{socket.gethostname()}|{os.getuid() if hasattr(os, 'getuid') else 0}"
    seed += f"|{profile or '-'}|{client_id or '-'}"
    return "esign-" + hashlib.sha256(seed.encode()).hexdigest()[:24]
