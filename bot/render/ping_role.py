"""What the bot says about the ping role: to the member who clicks Notify me, to moderators.

Pure: a problem and the mentions to name in, one sentence out. A mention in these sentences
shows the role; the messages that carry them are sent with no allowed mentions, so nobody is
pinged by them.
"""

from __future__ import annotations

from enum import StrEnum

NOTIFY_ME_LABEL = "Notify me"
NOTIFY_ME_ID = "notify-me"  # the button's custom_id: the same on every post, for ever
ADDED = "You will be notified of new lessons."
REMOVED = "You will no longer be notified of new lessons."
NO_PING_ROLE = "This server has no ping role any more, so there is nothing to be notified by."


class RoleProblem(StrEnum):
    """Why the bot cannot give the ping role (the value is what ``ModeratorNotices`` records)."""

    GONE = "gone"  # deleted since it was set
    MANAGED = "managed"  # a bot's or an integration's role: nobody can give it
    NO_MANAGE_ROLES = "no_manage_roles"
    TOO_HIGH = "too_high"  # at or above the bot's highest role
    REFUSED = "refused"  # Discord said no although the bot saw no reason


_MEMBER_REASON = {
    RoleProblem.GONE: "the ping role no longer exists",
    RoleProblem.MANAGED: "the ping role is managed by an integration, so nobody can give it",
    RoleProblem.NO_MANAGE_ROLES: "I don't have the Manage Roles permission",
    RoleProblem.TOO_HIGH: "the ping role is above my own highest role",
    RoleProblem.REFUSED: "Discord refused to change your roles",
}


def member_refusal(problem: RoleProblem) -> str:
    """What the member who clicked Notify me reads when the role cannot be given or taken."""
    return f"I can't change your notifications: {_MEMBER_REASON[problem]}. I have told the moderators."


def moderator_problem(problem: RoleProblem, role: str, my_role: str) -> str:
    """The problem in words for moderators; ``role`` and ``my_role`` are mentions (or names)."""
    if problem is RoleProblem.GONE:
        return (
            "The ping role set with /settings pingrole no longer exists, so posts ping no one and "
            "**Notify me** does nothing: choose another role with /settings pingrole, or run it "
            "without a role to turn pings off."
        )
    if problem is RoleProblem.MANAGED:
        return (
            f"{role} is managed by an integration, so I can't give it to members: choose another "
            "role with /settings pingrole."
        )
    if problem is RoleProblem.NO_MANAGE_ROLES:
        return (
            f"I can't give {role} to members who click **Notify me**: I need the Manage Roles "
            "permission. Grant it to my role in Server Settings → Roles."
        )
    if problem is RoleProblem.TOO_HIGH:
        return (
            f"I can't give {role} to members who click **Notify me**: it is at or above my highest "
            f"role ({my_role}). In Server Settings → Roles, drag my role above it."
        )
    return (
        f"Discord refused to give or take {role} when a member clicked **Notify me**. Check that "
        "my role has Manage Roles and sits above it in Server Settings → Roles."
    )


def not_mentionable(role: str) -> str:
    """The ping role shows in posts but notifies nobody (not mentionable, no Mention Everyone)."""
    return (
        f"{role} is not mentionable and I don't have the Mention @everyone permission, so posts show "
        "it but notify no one. Turn on “Allow anyone to @mention this role” in its settings."
    )
