"""The REST app: records every request, applies injected faults, routes, answers as Discord.

Every request is recorded (``fake.requests``); injected faults are applied before routing; an
unknown route answers 404 ``{"message": "404: Not Found", "code": 0}`` and is recorded in
``fake.unknown_requests`` so a missing route shows up in a test instead of hanging it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..state import RecordedRequest
from . import (
    channels,
    commands,
    gateway_info,
    guilds,
    interactions,
    members,
    messages,
    pins,
    reactions,
    threads,
)
from .routing import ApiError, Body, Ctx, Route, read_body

if TYPE_CHECKING:
    from ..driver import FakeDiscord

log = logging.getLogger(__name__)

COMMON_HEADERS = {"Via": "1.1 google"}
FAKE_KEY: web.AppKey[Any] = web.AppKey("fake", object)
#: Every route, matched in this order (patterns are anchored and ids are digits, so none overlap).
ROUTES: tuple[Route, ...] = (
    *gateway_info.routes,
    *commands.routes,
    *guilds.routes,
    *members.routes,
    *channels.routes,
    *messages.routes,
    *pins.routes,
    *reactions.routes,
    *threads.routes,
    *interactions.routes,
)


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    all_headers = {**COMMON_HEADERS, **(headers or {})}
    if body is None and status == 200:
        return web.Response(status=204, headers=all_headers)
    # discord.py only parses a body whose Content-Type is exactly "application/json".
    all_headers["Content-Type"] = "application/json"
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


async def api_handler(request: web.Request) -> web.StreamResponse:
    fake: FakeDiscord = request.app[FAKE_KEY]
    path = "/" + request.match_info["tail"]
    method = request.method.upper()
    body = await read_body(request)
    record = RecordedRequest(
        method,
        path,
        body.payload,
        dict(request.query),
        [(name, data) for name, data, _ in (body.files[i] for i in sorted(body.files))],
    )
    fake.requests.append(record)
    try:
        response = await _answer(fake, request, method, path, body, record)
    finally:
        fake.notify()
    record.status = response.status
    return response


async def _answer(
    fake: FakeDiscord, request: web.Request, method: str, path: str, body: Body, record: RecordedRequest
) -> web.Response:
    for fault in fake.faults:
        if fault.matches(method, path):
            fault.times -= 1
            fault.hits.append(path)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                status, err, headers = fault.response_parts()
                return _json_response(status, err, headers)
            break
    for route in ROUTES:
        if route.method != method:
            continue
        match = route.pattern.match(path)
        if match is None:
            continue
        if route.needs_auth and request.headers.get("Authorization") != f"Bot {fake.token}":
            return _json_response(401, {"message": "401: Unauthorized", "code": 0})
        try:
            result = await route.handler(Ctx(fake, request, match, body))
        except ApiError as exc:
            return _json_response(exc.status, exc.body)
        return _json_response(200, result)
    fake.unknown_requests.append(record)
    log.warning("fake discord: unknown route %s %s", method, path)
    return _json_response(404, {"message": "404: Not Found", "code": 0})


async def attachment_handler(request: web.Request) -> web.Response:
    fake: FakeDiscord = request.app[FAKE_KEY]
    att_id = int(request.match_info["att"])
    data = fake.attachments.get(att_id)
    if data is None:
        return web.Response(status=404)
    kind = fake.attachment_types.get(att_id, "application/octet-stream")
    return web.Response(body=data, headers={"Content-Type": kind})


def build_app(fake: FakeDiscord) -> web.Application:
    app = web.Application(client_max_size=100 * 1024 * 1024)
    app[FAKE_KEY] = fake
    app.router.add_route("*", "/api/v10/{tail:.*}", api_handler)
    app.router.add_get("/attachments/{channel}/{att}/{name}", attachment_handler)
    app.router.add_get("/ephemeral-attachments/{app}/{att}/{name}", attachment_handler)
    return app
