"""Modals as a member sees and submits them: the text inputs, their prefilled values, and the
MODAL_SUBMIT components Discord sends back, with the limits Discord's client enforces.

Pure functions over the modal the bot sent (callback type 9), so the driver and the tests'
``InteractionResult`` read it the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .validation import ACTION_ROW, LABEL, TEXT_INPUT


def text_inputs(modal: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(wrapper, text input) for each text input of the modal, in order; the wrapper is its
    Label (type 18) or, in the deprecated form discord.py still sends, its Action Row (type 1)."""
    for top in modal.get("components") or []:
        if top.get("type") == LABEL:
            children = [top.get("component") or {}]
        elif top.get("type") == ACTION_ROW:
            children = top.get("components") or []
        else:
            continue
        for child in children:
            if child.get("type") == TEXT_INPUT:
                yield top, child


def prefilled(modal: dict[str, Any]) -> dict[str, str]:
    """What the member sees in each field before typing: ``{custom_id: value or ""}``."""
    return {child["custom_id"]: child.get("value") or "" for _, child in text_inputs(modal)}


def submitted_components(modal: dict[str, Any], values: dict[str, str]) -> list[dict[str, Any]]:
    """The ``components`` of the MODAL_SUBMIT Discord sends when the member submits ``values``.

    Fields not in ``values`` keep what was prefilled. Raises ``ValueError`` for what Discord's
    client would not let the member submit (a required field empty, a value shorter than
    ``min_length`` or longer than ``max_length``), ``LookupError`` for a field the modal lacks.
    """
    fields = prefilled(modal)
    unknown = set(values) - set(fields)
    if unknown:
        raise LookupError(f"the modal has no field(s) {sorted(unknown)}; it has {sorted(fields)}")
    ids = _ComponentIds(modal)
    out: list[dict[str, Any]] = []
    for top in modal.get("components") or []:
        top_id = ids.of(top)
        if top.get("type") == LABEL:
            child = top.get("component") or {}
            if child.get("type") == TEXT_INPUT:
                out.append({"type": LABEL, "id": top_id, "component": _answer(child, values, fields, ids)})
        elif top.get("type") == ACTION_ROW:
            inputs = [c for c in top.get("components") or [] if c.get("type") == TEXT_INPUT]
            answers = [_answer(child, values, fields, ids) for child in inputs]
            out.append({"type": ACTION_ROW, "id": top_id, "components": answers})
    return out


def _answer(
    child: dict[str, Any], values: dict[str, str], fields: dict[str, str], ids: _ComponentIds
) -> dict[str, Any]:
    custom_id = child["custom_id"]
    value = str(values.get(custom_id, fields[custom_id]))
    required = child.get("required", True)
    low, high = child.get("min_length"), child.get("max_length")
    if required and not value:
        raise ValueError(f"field {custom_id!r} is required: Discord's client will not submit it empty")
    if value and low is not None and len(value) < int(low):
        raise ValueError(f"field {custom_id!r} needs at least {low} characters, not {len(value)}")
    if high is not None and len(value) > int(high):
        raise ValueError(f"field {custom_id!r} takes at most {high} characters, not {len(value)}")
    return {"type": TEXT_INPUT, "id": ids.of(child), "custom_id": custom_id, "value": value}


class _ComponentIds:
    """Component ids as Discord fills them: the bot's own, else the next unused number in order."""

    def __init__(self, modal: dict[str, Any]) -> None:
        self._given: dict[int, int] = {}
        used = set()
        for top in modal.get("components") or []:
            for comp in [top, top.get("component") or {}, *(top.get("components") or [])]:
                if isinstance(comp.get("id"), int):
                    used.add(comp["id"])
        self._used = used
        self._next = 1

    def of(self, component: dict[str, Any]) -> int:
        if isinstance(component.get("id"), int):
            return int(component["id"])
        key = id(component)
        if key not in self._given:
            while self._next in self._used:
                self._next += 1
            self._given[key] = self._next
            self._used.add(self._next)
        return self._given[key]
