"""A wire-level fake Discord for end-to-end tests of the real discord.py client.

``FakeDiscord`` (driver.py) is the server and the test's driver; ``plugin.py`` has the pytest
fixtures (``fake``) and ``run_client``.
"""

from .driver import FakeDiscord, RecordedRequest
from .interactions import InteractionResult
from .plugin import pointed_at, run_client

__all__ = ["FakeDiscord", "InteractionResult", "RecordedRequest", "pointed_at", "run_client"]
