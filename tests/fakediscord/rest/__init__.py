"""The fake REST API v10: the routes discord.py uses, one module per resource, with Discord's
errors and permission checks. ``app.build_app`` serves them.
"""

from .app import FAKE_KEY, build_app

__all__ = ["FAKE_KEY", "build_app"]
