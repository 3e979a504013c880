"""Injected REST faults: a route answers N times with 429/5xx, or slowly.

A 429 carries Discord's headers and body (``retry_after`` small so tests stay fast) and the
``Via`` header: discord.py treats a 429 without it as a Cloudflare ban and gives up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int | None = 429
    times: int = 1
    delay: float = 0.0
    retry_after: float = 0.05
    is_global: bool = False
    hits: list[str] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        if self.times <= 0:
            return False
        if self.method not in ("*", method.upper()):
            return False
        return self.pattern.search(path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times <= 0

    def response_parts(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, body, headers) for this fault's error answer."""
        assert self.status is not None
        if self.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": self.is_global,
            }
            headers = {
                "Retry-After": str(max(1, round(self.retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{self.retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "shared" if not self.is_global else "global",
            }
            if self.is_global:
                headers["X-RateLimit-Global"] = "true"
            return 429, body, headers
        if self.status >= 500:
            return self.status, {"message": f"{self.status}: Server Error", "code": 0}, {}
        return self.status, {"message": f"{self.status}: Injected", "code": 0}, {}
