"""Members use the bot's application: slash commands, autocomplete, buttons, modals.

Each verb builds the INTERACTION_CREATE Discord would send (options typed by the synced command
schema, ``resolved`` objects, the member's and the app's permissions), sends it to the session of
the guild's shard, and waits until the bot has answered (see ``interactions.InteractionRecord``).
"""

# The driver API takes `timeout=` by design (tests read `await fake.slash(..., timeout=5)`).
# ruff: noqa: ASYNC109

from __future__ import annotations

import secrets
from typing import Any

from . import modals
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    InteractionRecord,
    InteractionResult,
    coerce_option,
    wait_record,
)
from .member_actions import MemberActions
from .models import DM, GUILD_TEXT, Channel, Member, User


class Commands(MemberActions):
    """The driver's verbs for interactions: ``slash``, ``autocomplete``, ``click``, ``submit_modal``."""

    def find_command(self, guild_id: int | None, name: str) -> dict[str, Any]:
        pool = [*self.guild_commands.get(guild_id or 0, []), *self.global_commands]
        for cmd in pool:
            if cmd["name"] == name and cmd.get("type", 1) == 1:
                return cmd
        known = sorted({c["name"] for c in pool})
        raise LookupError(f"no synced slash command {name!r} (synced: {known})")

    def _new_interaction(
        self, kind: int, member: Member | User, channel: Channel | None, data: dict[str, Any]
    ) -> InteractionRecord:
        interaction_id = self.ids.next()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        record = InteractionRecord(
            id=interaction_id,
            token=token,
            type=kind,
            member=member,
            channel=channel,
            guild_id=channel.guild_id if channel is not None and channel.type != DM else None,
            created=self.now(),
        )
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": self.attachment_size_limit,
        }
        if channel is not None:
            payload["channel_id"] = str(channel.id)
            payload["channel"] = {
                **channel.to_payload(),
                "permissions": str(
                    self.permissions_for(member, channel) if isinstance(member, Member) else 0
                ),
            }
            payload["app_permissions"] = str(self.bot_permissions(channel))
        if isinstance(member, Member):
            guild = self.guilds[member.guild_id]
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["member"] = member.to_payload(permissions=self.permissions_for(member, channel))
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["user"] = member.to_payload()
            payload["authorizing_integration_owners"] = {"1": str(member.id)}
            payload["context"] = 1
        record.payload = payload
        self.interactions[interaction_id] = record
        return record

    def _command_options(
        self,
        member: Member | User,
        command: str,
        options: dict[str, Any],
        *,
        guild_id: int | None,
        focused: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(data, schema-of-leaf) for ``command`` ("group sub" or "name") with typed options."""
        parts = command.split()
        cmd = self.find_command(guild_id, parts[0])
        schema_opts: list[dict[str, Any]] = cmd.get("options") or []
        path: list[dict[str, Any]] = []
        for part in parts[1:]:
            sub = next(
                (
                    o
                    for o in schema_opts
                    if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if sub is None:
                raise LookupError(f"command {parts[0]!r} has no subcommand {part!r}")
            path.append(sub)
            schema_opts = sub.get("options") or []
        if any(o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in schema_opts):
            raise LookupError(f"{command!r} is a group; name the subcommand")
        resolved: dict[str, dict[str, Any]] = {}
        viewer = member if isinstance(member, Member) else None
        leaf: list[dict[str, Any]] = []
        by_name = {o["name"]: o for o in schema_opts}
        unknown = set(options) - set(by_name)
        if unknown:
            raise TypeError(f"{command!r} has no option(s) {sorted(unknown)}; it has {sorted(by_name)}")
        for opt in schema_opts:
            name = opt["name"]
            if name not in options:
                if opt.get("required") and name != focused:
                    raise TypeError(f"{command!r} needs option {name!r}")
                continue
            if name == focused:
                leaf.append({"name": name, "type": opt["type"], "value": str(options[name]), "focused": True})
                continue
            value = coerce_option(self, opt, options[name], resolved, viewer)
            choices = opt.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise ValueError(f"option {name!r} must be one of {[c['value'] for c in choices]}")
            leaf.append({"name": name, "type": opt["type"], "value": value})
        nested: list[dict[str, Any]] = leaf
        for sub in reversed(path):
            nested = [{"name": sub["name"], "type": sub["type"], "options": nested}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": nested}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data, cmd

    def _channel_for(self, member: Member | User, channel: Channel | None) -> Channel | None:
        if channel is not None:
            return channel
        if self.default_channel is not None:
            return self.default_channel
        if isinstance(member, Member):
            texts = [
                c for c in self.guilds[member.guild_id].text_and_forum_channels() if c.type == GUILD_TEXT
            ]
            return texts[0] if texts else None
        return None

    def _send_interaction(self, record: InteractionRecord) -> None:
        self.dispatch("INTERACTION_CREATE", record.payload, guild_id=record.guild_id)

    def _leaf_option_names(self, guild_id: int | None, command: str) -> set[str]:
        parts = command.split()
        opts: list[dict[str, Any]] = self.find_command(guild_id, parts[0]).get("options") or []
        for part in parts[1:]:
            sub = next((o for o in opts if o["name"] == part), None)
            opts = (sub or {}).get("options") or []
        return {o["name"] for o in opts}

    def _location_and_options(
        self,
        member: Member | User,
        command: str,
        channel: Channel | None,
        in_channel: Channel | None,
        options: dict[str, Any],
    ) -> tuple[Channel | None, dict[str, Any], int | None]:
        """Where the command runs, and its options: ``channel=`` fills an option named "channel"
        when the command has one (then ``in_channel=`` says where it runs); else it is the place."""
        guild_id = member.guild_id if isinstance(member, Member) else None
        options = dict(options)
        if channel is not None and "channel" in self._leaf_option_names(guild_id, command):
            options["channel"] = channel
            channel = None
        return self._channel_for(member, in_channel or channel), options, guild_id

    async def slash(
        self,
        member: Member | User,
        command: str,
        *,
        channel: Channel | None = None,
        in_channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> InteractionResult:
        """A member runs ``/command`` ("group sub" for subcommands) with typed options.

        Options come as keyword arguments (or ``options={...}`` for names that clash with these
        parameters). The command runs in ``in_channel``, else ``channel``, else the default channel
        (``fake.default_channel``, the first text channel made); but if the command has an option
        named ``channel``, ``channel=`` fills that option. Returns once the bot answered (and, if
        it deferred, followed up or edited the original), or at ``timeout``: ``result.responded``
        and ``result.record.settled`` say which.
        """
        where, opts, guild_id = self._location_and_options(
            member, command, channel, in_channel, {**(options or {}), **kwargs}
        )
        data, _ = self._command_options(member, command, opts, guild_id=guild_id)
        record = self._new_interaction(APPLICATION_COMMAND, member, where, data)
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    async def autocomplete(
        self,
        member: Member | User,
        command: str,
        *,
        focused: str,
        value: str = "",
        channel: Channel | None = None,
        in_channel: Channel | None = None,
        options: dict[str, Any] | None = None,
        timeout: float = 5.0,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while ``member`` types ``value`` into option ``focused``.

        Other options already filled in go as keyword arguments, as for :meth:`slash`.
        """
        where, opts, guild_id = self._location_and_options(
            member, command, channel, in_channel, {**(options or {}), **kwargs}
        )
        data, _ = self._command_options(
            member, command, {**opts, focused: value}, guild_id=guild_id, focused=focused
        )
        record = self._new_interaction(AUTOCOMPLETE, member, where, data)
        self._send_interaction(record)
        await self.wait_until(lambda: record.responded, timeout=timeout)
        return list((record.response_data or {}).get("choices", []))

    async def click(
        self,
        member: Member | User,
        message: dict[str, Any] | int | str,
        custom_id: str,
        *,
        channel: Channel | None = None,
        values: list[str] | None = None,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """A member clicks a button (or picks ``values`` in a select) on one of the bot's messages.

        Refused (``ValueError``) as Discord's client would: a disabled component, or an ephemeral
        message clicked by anyone but the member it was shown to.
        """
        if not isinstance(message, dict):
            message = self.message(message)
        viewer = self.ephemeral_viewers.get(int(message["id"]))
        if viewer is not None and viewer != member.id:
            raise ValueError(f"message {message['id']} is ephemeral: only its own member sees it")
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise LookupError(f"no component {custom_id!r} on message {message['id']}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: Discord's client cannot click it")
        where = channel or self.find_channel(int(message["channel_id"]))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if values is not None or component["type"] in (3, 5, 6, 7, 8):
            data["values"] = list(values or [])
        record = self._new_interaction(MESSAGE_COMPONENT, member, where, data)
        record.payload["message"] = message
        record.source_message_id = int(message["id"])
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    async def submit_modal(
        self,
        member: Member | User,
        opened_by: InteractionResult,
        values: dict[str, str],
        *,
        timeout: float = 5.0,
    ) -> InteractionResult:
        """The member who saw the modal (``opened_by.modal``) fills it in and submits it.

        Fields left out of ``values`` keep their prefilled value. Like Discord's client, this
        refuses (``ValueError``) a required field left empty, a value outside min/max length, a
        member other than the one the modal was shown to, and a modal already submitted and
        answered (Discord closes it then). A modal opened from a button or select carries that
        message (``message`` in the payload), so the bot may answer with UPDATE_MESSAGE (type 7).
        """
        modal = opened_by.modal
        if modal is None:
            raise LookupError("that interaction did not open a modal")
        opener = opened_by.record
        if member.id != opener.member.id:
            raise ValueError("a modal is shown only to the member whose interaction opened it")
        if opener.modal_submission is not None and opener.modal_submission.responded:
            raise ValueError("that modal was submitted and answered: Discord has closed it")
        data = {"custom_id": modal["custom_id"], "components": modals.submitted_components(modal, values)}
        record = self._new_interaction(MODAL_SUBMIT, member, opened_by.channel, data)
        if opener.type == MESSAGE_COMPONENT and opener.source_message_id is not None:
            record.payload["message"] = opener.payload["message"]
            record.source_message_id = opener.source_message_id
        opener.modal_submission = record
        self._send_interaction(record)
        await wait_record(self, record, timeout)
        return InteractionResult(self, record)

    def expire_interaction(self, result: InteractionResult) -> None:
        result.expire()


def _find_component(components: list[dict[str, Any]], custom_id: str) -> dict[str, Any] | None:
    for comp in components:
        if comp.get("custom_id") == custom_id:
            return comp
        for key in ("components", "accessory", "component"):
            inner = comp.get(key)
            if isinstance(inner, dict):
                inner = [inner]
            if isinstance(inner, list):
                found = _find_component(inner, custom_id)
                if found is not None:
                    return found
    return None
