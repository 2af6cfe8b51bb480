"""A secret value that does not print itself.

`repr`, `str` and f-strings of a `Secret` give a mask, so a secret that ends up in a log line,
an exception message or a traceback's locals shows as `****` (ARCHITECTURE.md §3).
"""

from __future__ import annotations


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        from esign.core.redact import remember

        remember(value)  # masked wherever this process shortens or prints text

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        """A hint of which secret this is, never enough to use it."""
        if len(self._value) <= 8:
            return "****"
        return f"{self._value[:4]}…{self._value[-2:]}"

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)
