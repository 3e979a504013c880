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
