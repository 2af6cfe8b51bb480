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
