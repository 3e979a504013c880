"""Discord's size limits, reported with Discord's 400 "Invalid Form Body" shape (code 50035).

The errors tree mirrors the JSON path of the offending value, e.g.
``{"embeds": {"0": {"title": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", ...}]}}}}``.
"""

from __future__ import annotations

from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
THREAD_NAME_MAX = 100
NONCE_MAX = 25
CHOICES_MAX = 25


class FormErrors:
    """Collects errors by path and renders Discord's nested "errors" object."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: list[str | int], code: str, message: str) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_length(self, path: list[str | int], value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def __bool__(self) -> bool:
        return bool(self.tree)

    def body(self) -> dict[str, Any]:
        return {"message": "Invalid Form Body", "code": 50035, "errors": self.tree}


def embed_size(embed: dict[str, Any]) -> int:
    """Characters counted towards the 6000 total: title, description, fields, footer, author."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for f in embed.get("fields") or []:
        total += len(f.get("name") or "") + len(f.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def check_message(payload: dict[str, Any], errors: FormErrors, prefix: list[str | int] | None = None) -> None:
    """Validate the message part of a create/edit/interaction-response body."""
    pre = list(prefix or [])
    content = payload.get("content")
    if content is not None:
        errors.max_length([*pre, "content"], str(content), CONTENT_MAX)
    embeds = payload.get("embeds")
    if embeds:
        if len(embeds) > EMBEDS_MAX:
            errors.add([*pre, "embeds"], "BASE_TYPE_MAX_LENGTH", f"Must be {EMBEDS_MAX} or fewer in length.")
        for i, embed in enumerate(embeds):
            where = [*pre, "embeds", i]
            errors.max_length([*where, "title"], embed.get("title"), TITLE_MAX)
            errors.max_length([*where, "description"], embed.get("description"), DESCRIPTION_MAX)
            errors.max_length([*where, "footer", "text"], (embed.get("footer") or {}).get("text"), FOOTER_MAX)
            errors.max_length(
                [*where, "author", "name"], (embed.get("author") or {}).get("name"), AUTHOR_NAME_MAX
            )
            fields = embed.get("fields") or []
            if len(fields) > FIELDS_MAX:
                errors.add(
                    [*where, "fields"], "BASE_TYPE_MAX_LENGTH", f"Must be {FIELDS_MAX} or fewer in length."
                )
            for j, f in enumerate(fields):
                errors.max_length([*where, "fields", j, "name"], f.get("name"), FIELD_NAME_MAX)
                errors.max_length([*where, "fields", j, "value"], f.get("value"), FIELD_VALUE_MAX)
                if not f.get("name"):
                    errors.add([*where, "fields", j, "name"], "BASE_TYPE_REQUIRED", "This field is required")
                if not f.get("value"):
                    errors.add([*where, "fields", j, "value"], "BASE_TYPE_REQUIRED", "This field is required")
        if sum(embed_size(e) for e in embeds) > EMBED_TOTAL_MAX:
            errors.add(
                [*pre, "embeds"],
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
    nonce = payload.get("nonce")
    if isinstance(nonce, str):
        errors.max_length([*pre, "nonce"], nonce, NONCE_MAX)


def check_thread_name(name: Any, errors: FormErrors, path: list[str | int] | None = None) -> None:
    where = path or ["name"]
    if not isinstance(name, str) or not (1 <= len(name) <= THREAD_NAME_MAX):
        errors.add(where, "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_MAX} in length.")


def is_empty_message(payload: dict[str, Any], n_files: int) -> bool:
    return not (
        payload.get("content")
        or payload.get("embeds")
        or n_files
        or payload.get("sticker_ids")
        or payload.get("components")
        or payload.get("poll")
    )


# Modals (interaction callback type 9) and their text inputs.
MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
CUSTOM_ID_MAX = 100
LABEL_MAX = 45
LABEL_DESCRIPTION_MAX = 100
PLACEHOLDER_MAX = 100
TEXT_INPUT_MAX = 4000
ACTION_ROW = 1
TEXT_INPUT = 4
TEXT_DISPLAY = 10
LABEL = 18
TEXT_INPUT_STYLES = (1, 2)


def check_modal(data: dict[str, Any], errors: FormErrors, prefix: list[str | int] | None = None) -> None:
    """Validate a modal: custom_id 1-100, title 1-45, 1-5 components, each a Label (or a legacy
    Action Row) holding one text input, or a Text Display. Limits from Discord's component reference.
    """
    pre = list(prefix or [])
    _bad_length([*pre, "custom_id"], data.get("custom_id"), 1, CUSTOM_ID_MAX, errors)
    _bad_length([*pre, "title"], data.get("title"), 1, MODAL_TITLE_MAX, errors)
    components = data.get("components")
    if not isinstance(components, list) or not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        errors.add(
            [*pre, "components"],
            "BASE_TYPE_BAD_LENGTH",
            f"Must be between 1 and {MODAL_COMPONENTS_MAX} in length.",
        )
        return
    for i, top in enumerate(components):
        where: list[str | int] = [*pre, "components", i]
        kind = top.get("type") if isinstance(top, dict) else None
        if kind == LABEL:
            _bad_length([*where, "label"], top.get("label"), 1, LABEL_MAX, errors)
            errors.max_length([*where, "description"], top.get("description"), LABEL_DESCRIPTION_MAX)
            child = top.get("component")
            if isinstance(child, dict) and child.get("type") == TEXT_INPUT:
                check_text_input(child, errors, [*where, "component"], in_label=True)
        elif kind == ACTION_ROW:
            children = top.get("components") or []
            if len(children) != 1:
                message = "Must be between 1 and 1 in length."
                errors.add([*where, "components"], "BASE_TYPE_BAD_LENGTH", message)
            for j, child in enumerate(children):
                if child.get("type") == TEXT_INPUT:
                    check_text_input(child, errors, [*where, "components", j], in_label=False)
        elif kind != TEXT_DISPLAY:
            message = f'Value of field "type" must be one of ({ACTION_ROW}, {TEXT_DISPLAY}, {LABEL}).'
            errors.add([*where, "type"], "UNION_TYPE_CHOICES", message)


def check_text_input(
    component: dict[str, Any], errors: FormErrors, where: list[str | int], *, in_label: bool
) -> None:
    """A text input's limits: custom_id 1-100, style 1/2, min 0-4000, max 1-4000, value <= 4000."""
    _bad_length([*where, "custom_id"], component.get("custom_id"), 1, CUSTOM_ID_MAX, errors)
    if component.get("style") not in TEXT_INPUT_STYLES:
        errors.add([*where, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2).")
    if in_label:
        errors.max_length([*where, "label"], component.get("label"), LABEL_MAX)
    else:  # a text input directly in an action row (deprecated) carries its own label
        _bad_length([*where, "label"], component.get("label"), 1, LABEL_MAX, errors)
    _number_range([*where, "min_length"], component.get("min_length"), 0, TEXT_INPUT_MAX, errors)
    _number_range([*where, "max_length"], component.get("max_length"), 1, TEXT_INPUT_MAX, errors)
    errors.max_length([*where, "value"], component.get("value"), TEXT_INPUT_MAX)
    errors.max_length([*where, "placeholder"], component.get("placeholder"), PLACEHOLDER_MAX)


def _bad_length(path: list[str | int], value: Any, low: int, high: int, errors: FormErrors) -> None:
    if value is None:
        errors.add(path, "BASE_TYPE_REQUIRED", "This field is required")
    elif not isinstance(value, str) or not low <= len(value) <= high:
        errors.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _number_range(path: list[str | int], value: Any, low: int, high: int, errors: FormErrors) -> None:
    if value is None:
        return
    if int(value) < low:
        errors.add(path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {low}.")
    elif int(value) > high:
        errors.add(path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {high}.")
