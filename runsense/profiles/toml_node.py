"""A checked view of one TOML table: typed getters that name the key path, and unknown-key rejection.

Every getter records the key it read; ``finish()`` then rejects the keys nobody asked for,
with the closest known key as a suggestion (``"lenght": did you mean "length"?``). This keeps
the loader a plain top-down reading of the schema while every error still names the file,
the key path and the fix.
"""

# ruff: noqa: ANN401 - getters return what the TOML holds (or the caller's default), checked at run time

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from runsense.profiles.errors import ProfileError

T = TypeVar("T")
_MISSING: Any = object()


def _type_name(value: object) -> str:
    names = {str: "a string", bool: "a boolean", int: "an integer", float: "a number", list: "an array"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


class Node:
    """One TOML table with the file and key path it came from."""

    def __init__(self, data: dict[str, Any], *, path: Path | str, key_path: str = "") -> None:
        """Wrap ``data`` (a parsed TOML table) found at ``key_path`` in ``path``."""
        self.data = data
        self.path = path
        self.key_path = key_path
        self._seen: set[str] = set()

    def at(self, key: str) -> str:
        """Dotted key path of a key of this table."""
        return f"{self.key_path}.{key}" if self.key_path else key

    def error(self, key: str, problem: str, fix: str) -> ProfileError:
        """A ProfileError for ``key`` of this table (``key=""`` for the table itself)."""
        return ProfileError(self.path, self.at(key) if key else self.key_path, problem, fix)

    def has(self, key: str) -> bool:
        """True when the key is present (and marks it as known)."""
        self._seen.add(key)
        return key in self.data

    def _get(self, key: str, default: Any, expected: str, fix: str) -> Any:
        self._seen.add(key)
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(key, f"is missing ({expected} is required)", fix)
        return default

    def get_str(
        self, key: str, default: Any = _MISSING, *, fix: str = "", choices: Sequence[str] = ()
    ) -> Any:
        """A string value, optionally one of ``choices``."""
        value = self._get(key, default, "a string", fix or f'add {key} = "..."')
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str):
            raise self.error(key, f"is {_type_name(value)}, not a string", fix or "quote the value")
        if choices and value not in choices:
            raise self.error(key, f"is {value!r}", f"use one of {', '.join(repr(c) for c in choices)}")
        return value

    def get_int(self, key: str, default: Any = _MISSING, *, minimum: int | None = None, fix: str = "") -> Any:
        """An integer value (booleans are not integers here)."""
        value = self._get(key, default, "an integer", fix or f"add {key} = <integer>")
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"is {_type_name(value)}, not an integer", fix or "write a whole number")
        if minimum is not None and value < minimum:
            raise self.error(key, f"is {value}, below {minimum}", fix or f"use a value >= {minimum}")
        return value

    def get_float(self, key: str, default: Any = _MISSING, *, fix: str = "") -> Any:
        """A number (integers are accepted)."""
        value = self._get(key, default, "a number", fix or f"add {key} = <number>")
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"is {_type_name(value)}, not a number", fix or "write a number")
        return float(value)

    def get_bool(self, key: str, default: Any = _MISSING) -> Any:
        """A boolean (true/false)."""
        value = self._get(key, default, "a boolean", f"add {key} = true or false")
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, bool):
            raise self.error(key, f"is {_type_name(value)}, not a boolean", "write true or false")
        return value

    def get_str_list(self, key: str, default: Any = _MISSING) -> Any:
        """An array of strings."""
        value = self._get(key, default, "an array of strings", f'add {key} = ["..."]')
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f"is {_type_name(value)}, not an array of strings", 'write ["a", "b"]')
        return tuple(value)

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """The value as parsed, for callers that check its type themselves."""
        return self._get(key, default, "a value", f"add {key}")

    def table(self, key: str, *, required: bool = False) -> Node | None:
        """A sub-table, or None when absent and not required."""
        value = self._get(key, _MISSING if required else None, "a table", f"add a [{self.at(key)}] table")
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"is {_type_name(value)}, not a table", f"write it as [{self.at(key)}]")
        return Node(value, path=self.path, key_path=self.at(key))

    def tables(self, key: str, *, required: bool = False) -> list[Node]:
        """An array of tables (``[[key]]``), empty when absent and not required."""
        value = self._get(key, _MISSING if required else [], "an array of tables", f"add [[{self.at(key)}]]")
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(
                key, f"is {_type_name(value)}, not an array of tables", f"use [[{self.at(key)}]]"
            )
        if required and not value:
            raise self.error(key, "is empty", f"add at least one [[{self.at(key)}]]")
        return [Node(v, path=self.path, key_path=f"{self.at(key)}[{i}]") for i, v in enumerate(value)]

    def finish(self) -> None:
        """Reject keys that no getter asked for, suggesting the closest known one."""
        for key in self.data:
            if key in self._seen:
                continue
            close = difflib.get_close_matches(key, sorted(self._seen), n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else f"known keys: {', '.join(sorted(self._seen))}"
            raise self.error(key, "is not a known key", f"remove it or fix its name ({hint})")
