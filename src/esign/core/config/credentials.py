"""Where secrets live: the OS keyring, or a 0600 file the user asked for (ARCHITECTURE.md §3).

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
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from esign.core.errors import AuthError

KEYRING_SERVICE = "esign"
KEYRING_TIMEOUT = 3.0
SECRET_NAMES = ("api_key", "client_secret", "access_token")
T = TypeVar("T")


class CredentialStoreError(AuthError):
    """The place secrets live could not be used (exit 4: a credential is unavailable)."""

    error_type = "credential_store"


class NoKeyringError(CredentialStoreError):
    """There is no keyring that stores anything: nothing can have been stored there either."""


class Removal(NamedTuple):
    """The secrets a removal took away, and whether a keyring could be asked at all."""

    names: list[str]
    keyring_checked: bool


class SecretsNotRemovedError(CredentialStoreError):
    """The keyring failed during a removal: the secret may still be there."""


def keyring_unavailable(
    reason: str, cls: type[CredentialStoreError] = CredentialStoreError
) -> CredentialStoreError:
    return cls(
        f"the OS keyring is not usable: {reason}",
        hint="set the credential in the environment (ESIGN_API_KEY or ESIGN_CLIENT_SECRET), "
        "or store it in a file with `esign auth login --insecure-storage`",
    )


def _stores_nothing(backend: Any) -> bool:
    """keyring's stand-ins for "no keyring": `fail` raises, `null` and an empty `chainer`
    accept every secret and keep none (a login would report success and store nothing)."""
    module = type(backend).__module__
    if module in ("keyring.backends.fail", "keyring.backends.null"):
        return True
    if module == "keyring.backends.chainer":
        return not list(getattr(backend, "backends", []))
    return False


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
            raise keyring_unavailable(
                f"{self._name_of(self._backend)} did not answer within {self.timeout:g} seconds"
            )
        if "error" in outcome:
            raise self._translate(outcome["error"])
        return outcome["value"]  # type: ignore[no-any-return]

    def _translate(self, exc: BaseException) -> BaseException:
        """Whatever a backend raises (keyring's errors, D-Bus's, a plugin's own) is a
        credential store failure naming the backend: exit 4, never "unexpected failure"."""
        import keyring.errors

        if isinstance(exc, CredentialStoreError) or not isinstance(exc, Exception):
            return exc
        if isinstance(exc, keyring.errors.NoKeyringError):
            return keyring_unavailable("no keyring backend is installed or running", NoKeyringError)
        name = self._name_of(self._backend)
        if isinstance(exc, keyring.errors.KeyringLocked):
            return keyring_unavailable(f"the keyring is locked ({name})")
        detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
        return keyring_unavailable(f"{name} failed: {detail}")

    @staticmethod
    def _name_of(backend: Any) -> str:
        if backend is None:
            return "the keyring backend"
        return f"{type(backend).__module__}.{type(backend).__name__}"

    def backend(self) -> Any:
        def load() -> Any:
            if self._backend is None:
                import keyring

                self._backend = keyring.get_keyring()
            return self._backend

        return self._run(load)

    def backend_name(self) -> str:
        return self._name_of(self.backend())

    def _usable_backend(self) -> Any:
        backend = self.backend()
        if _stores_nothing(backend):
            raise keyring_unavailable(
                f"no keyring that stores secrets ({self._name_of(backend)})", NoKeyringError
            )
        return backend

    def get(self, profile: str, name: str) -> str | None:
        backend = self._usable_backend()
        value = self._run(lambda: backend.get_password(KEYRING_SERVICE, entry_name(profile, name)))
        return value if isinstance(value, str) else None

    def set(self, profile: str, name: str, value: str) -> None:
        backend = self._usable_backend()
        entry = entry_name(profile, name)
        self._run(lambda: backend.set_password(KEYRING_SERVICE, entry, value))
        # Read it back: a backend that accepts and drops secrets is no keyring at all.
        if self._run(lambda: backend.get_password(KEYRING_SERVICE, entry)) != value:
            raise keyring_unavailable(
                f"{self._name_of(backend)} did not keep the secret", NoKeyringError
            )

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

    def __init__(
        self, path: Path, lock: Callable[[], AbstractContextManager[None]] = nullcontext
    ) -> None:
        self.path = path
        # The config's lock: concurrent logins would otherwise each read the file, add their
        # secret and write it back, and all but the last secret would be lost.
        self._lock = lock

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CredentialStoreError(f"cannot read {self.path}: {exc}") from None
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        from esign.core.config.file import write_private_file

        write_private_file(self.path, json.dumps(data, indent=2) + "\n")

    def get(self, profile: str, name: str) -> str | None:
        value = self._read().get(profile, {}).get(name)
        return value if isinstance(value, str) else None

    def set(self, profile: str, name: str, value: str) -> None:
        with self._lock():
            data = self._read()
            data.setdefault(profile, {})[name] = value
            self._write(data)

    def delete(self, profile: str, name: str) -> bool:
        with self._lock():
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

    def remove_profile(self, profile: str) -> Removal:
        """Every secret of the profile, from both places; returns what was removed. Raises
        SecretsNotRemovedError when the keyring could not be asked (locked, failing): the
        secret may still be there, and saying "removed: none" would be a lie."""
        removed = [name for name in SECRET_NAMES if self.file.delete(profile, name)]
        try:
            removed += [name for name in SECRET_NAMES if self.keyring.delete(profile, name)]
        except NoKeyringError:
            # No keyring here (no D-Bus session, a fail or null backend): one elsewhere (a
            # desktop session) may hold a secret of this profile; say it was not checked
            # rather than block the removal where no keyring will ever be.
            return Removal(removed, keyring_checked=False)
        except CredentialStoreError as err:
            done = f" (removed from the file: {', '.join(removed)})" if removed else ""
            raise SecretsNotRemovedError(
                f"the secrets of profile {profile!r} in the keyring were NOT removed: "
                f"{err.message.removeprefix('the OS keyring is not usable: ')}{done}",
                hint="unlock the keyring and run the command again",
            ) from None
        return Removal(removed, keyring_checked=True)


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
