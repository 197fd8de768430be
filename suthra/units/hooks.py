"""What other apps keep in step with the units (today: the dashboard's summaries in stats).

Those apps sit above units, so units must not import them: each one registers a callback here in
its ``AppConfig.ready`` and the units' writes call ``units_changed`` inside their transaction.
A callback takes the sorted ids of the union councils whose units were added, changed,
activated or deactivated. No callback registered (the app is not installed): nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

UnitsChanged = Callable[[Sequence[int]], None]

_callbacks: list[UnitsChanged] = []


def on_units_changed(callback: UnitsChanged) -> None:
    """Called by an app's ``ready()``; registering the same callback twice keeps one."""
    if callback not in _callbacks:
        _callbacks.append(callback)


def units_changed(uc_ids: Iterable[int]) -> None:
    """Tell every registered app that the units of these UCs changed (same transaction)."""
    ids = sorted(set(uc_ids))
    if not ids:
        return
    for callback in _callbacks:
        callback(ids)
