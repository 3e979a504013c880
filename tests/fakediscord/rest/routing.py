"""What every REST route module shares: Discord's error answers, the request body, the context
a handler gets, and the table a module registers its routes in.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .. import permissions as perm
from ..models import DM, Channel, Guild
from ..validation import FormErrors

if TYPE_CHECKING:
    from ..driver import FakeDiscord

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answer with Discord's JSON body."""

    def __init__(
        self, status: int, message: str, code: int = 0, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors


def form_error(errors: FormErrors) -> ApiError:
    err = ApiError(400, "Invalid Form Body", 50035)
    err.body = errors.body()
    return err


UNKNOWN_CHANNEL = (404, "Unknown Channel", 10003)
UNKNOWN_MESSAGE = (404, "Unknown Message", 10008)
MISSING_ACCESS = (403, "Missing Access", 50001)
MISSING_PERMISSIONS = (403, "Missing Permissions", 50013)
THREAD_ARCHIVED = (400, "Thread is archived", 50083)
THREAD_LOCKED = (400, "Thread is locked", 160005)
SYSTEM_MESSAGE = (400, "Cannot execute action on a system message", 50021)


def fail(spec: tuple[int, str, int]) -> ApiError:
    return ApiError(*spec)


class Body:
    """A parsed request body: the JSON payload and the uploaded files (index -> (name, bytes, type))."""

    def __init__(self, payload: Any, files: dict[int, tuple[str, bytes, str | None]]) -> None:
        self.payload = payload
        self.files = files

    @property
    def json(self) -> dict[str, Any]:
        return self.payload if isinstance(self.payload, dict) else {}


async def read_body(request: web.Request) -> Body:
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("multipart/"):
        payload: Any = {}
        files: dict[int, tuple[str, bytes, str | None]] = {}
        reader = await request.multipart()
        while True:
            part = await reader.next()
            if part is None:
                break
            name = part.name or ""  # type: ignore[union-attr]
            data = await part.read()  # type: ignore[union-attr]
            if name == "payload_json":
                payload = json.loads(data)
            else:
                match = re.fullmatch(r"files\[(\d+)\]", name)
                index = int(match.group(1)) if match else len(files)
                files[index] = (
                    part.filename or f"file{index}",
                    bytes(data),
                    part.headers.get("Content-Type"),
                )  # type: ignore[union-attr]
        return Body(payload, files)
    raw = await request.read()
    if not raw:
        return Body(None, {})
    try:
        return Body(json.loads(raw), {})
    except ValueError:
        return Body(raw.decode("utf-8", "replace"), {})


Handler = Callable[["Ctx"], Awaitable[Any]]


class Ctx:
    """What a route handler gets: the fake, the match groups, the body, the query."""

    def __init__(self, fake: FakeDiscord, request: web.Request, match: re.Match[str], body: Body) -> None:
        self.fake = fake
        self.request = request
        self.match = match
        self.body = body
        self.query = dict(request.query)

    def int(self, name: str) -> int:
        return int(self.match.group(name))

    def channel(self, name: str = "channel") -> Channel:
        channel = self.fake.find_channel(self.int(name))
        if channel is None or channel.deleted:
            raise fail(UNKNOWN_CHANNEL)
        return channel

    def guild(self, name: str = "guild") -> Guild:
        guild = self.fake.guilds.get(self.int(name))
        if guild is None:
            raise ApiError(404, "Unknown Guild", 10004)
        return guild

    def viewable_channel(self, name: str = "channel") -> Channel:
        channel = self.channel(name)
        if channel.type != DM and not self.fake.bot_permissions(channel) & perm.VIEW_CHANNEL:
            raise fail(MISSING_ACCESS)
        return channel

    def refuse_if_archived(self, channel: Channel) -> None:
        """Discord refuses changes inside an archived thread (edits, deletes, reactions, pins)."""
        if channel.is_thread and channel.archived:
            raise fail(THREAD_ARCHIVED)

    def check_can_send(self, channel: Channel) -> None:
        """A locked thread takes messages only from those with Manage Threads (Discord: 160005, or
        50083 when it is also archived). Sending into an archived, unlocked thread reopens it."""
        can_manage = bool(self.fake.bot_permissions(channel) & perm.MANAGE_THREADS)
        if channel.is_thread and channel.locked and not can_manage:
            raise fail(THREAD_ARCHIVED if channel.archived else THREAD_LOCKED)

    def need(self, channel: Channel, bits: int) -> None:
        have = self.fake.bot_permissions(channel)
        if not have & perm.VIEW_CHANNEL:
            raise fail(MISSING_ACCESS)
        if have & bits != bits:
            log.info("fake discord: bot lacks %s in #%s", perm.missing(have, bits), channel.name)
            raise fail(MISSING_PERMISSIONS)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    needs_auth: bool


class Routes:
    """One module's routes, in registration order: ``@routes("GET", path("/channels/{channel}"))``."""

    def __init__(self) -> None:
        self._table: list[Route] = []

    def __call__(self, method: str, pattern: str, *, auth: bool = True) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self._table.append(Route(method, re.compile(pattern + "$"), func, auth))
            return func

        return register

    def __iter__(self) -> Iterator[Route]:
        return iter(self._table)


S = r"(?P<{}>\d+)"


def path(template: str) -> str:
    """A route pattern from a template: ``{name}`` matches a snowflake, as the group ``name``."""
    return re.sub(r"\{(\w+)\}", lambda m: S.format(m.group(1)), template)
