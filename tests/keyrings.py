"""Keyring backends for tests: one in memory, one that never answers.

Loadable by name in child processes: PYTHON_KEYRING_BACKEND=tests.keyrings.HangingKeyring.
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class HangingKeyring(KeyringBackend):
    """A Secret Service that never answers (a locked session, a dead D-Bus)."""

    priority = 1  # type: ignore[assignment]

    def _hang(self) -> None:
        threading.Event().wait(3600)

    def get_password(self, service: str, username: str) -> str | None:
        self._hang()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._hang()

    def delete_password(self, service: str, username: str) -> None:
        self._hang()


class LockedKeyring(MemoryKeyring):
    """A keyring that holds secrets but is locked: every call fails the way keyring reports a
    locked collection (the Secret Service backend raises KeyringLocked when unlocking fails)."""

    locked = False

    def _check(self) -> None:
        if self.locked:
            from keyring.errors import KeyringLocked

            raise KeyringLocked("Failed to unlock the collection!")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        super().delete_password(service, username)


class DbusFailure(Exception):
    """Not one of keyring's errors: what a D-Bus library or a plugin raises on its own."""


class FailingKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise DbusFailure("org.freedesktop.DBus.Error.NoReply: Did not receive a reply")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise DbusFailure("org.freedesktop.DBus.Error.NoReply: Did not receive a reply")

    def delete_password(self, service: str, username: str) -> None:
        raise DbusFailure("org.freedesktop.DBus.Error.NoReply: Did not receive a reply")


class EchoingKeyring(MemoryKeyring):
    """A backend whose error message quotes the secret it was given (some do)."""

    def set_password(self, service: str, username: str, password: str) -> None:
        from keyring.errors import PasswordSetError

        raise PasswordSetError(f"could not store {password!r} for {username}")
