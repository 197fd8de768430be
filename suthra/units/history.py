"""What other apps show on the unit page about one unit (its visits, its tickets).

Those apps sit above units (they depend on units), so units must not import them: each one
registers a reader here in its ``AppConfig.ready`` and the unit page asks by name. A reader takes
``actor=``, ``unit=`` (already checked to be in the actor's scope) and ``limit=`` and returns at
most ``limit`` rows, newest first, through the actor's scope. No reader registered (the app is
not installed): the section is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Reader = Callable[..., list[Any]]

_readers: dict[str, Reader] = {}


def register(name: str, reader: Reader) -> None:
    """Called by an app's ``ready()``: ``reader`` answers ``read(name, ...)``."""
    _readers[name] = reader


def read(name: str, *, actor: Any, unit: Any, limit: int) -> list[Any]:
    reader = _readers.get(name)
    return reader(actor=actor, unit=unit, limit=limit) if reader is not None else []
