"""What members and moderators read about the ping role: one plain sentence per problem."""

from __future__ import annotations

import pytest

from bot.render.ping_role import RoleProblem, member_refusal, moderator_problem, not_mentionable

ROLE, MINE = "<@&5>", "<@&9>"


@pytest.mark.parametrize("problem", list(RoleProblem))
def test_every_problem_has_a_sentence_for_the_member_and_one_for_the_moderators(problem):
    member = member_refusal(problem)
    moderators = moderator_problem(problem, ROLE, MINE)
    assert member.startswith("I can't change your notifications: ")
    assert member.endswith("I have told the moderators.")
    assert "\n" not in member and "\n" not in moderators
    # The moderators learn what to do about it: the setting, the permission or the role order.
    assert any(hint in moderators for hint in ("/settings pingrole", "Manage Roles", "Server Settings"))


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        (RoleProblem.NO_MANAGE_ROLES, ["Manage Roles", ROLE]),
        (RoleProblem.TOO_HIGH, ["at or above my highest role", ROLE, MINE]),
        (RoleProblem.MANAGED, ["managed by an integration", ROLE]),
        (RoleProblem.GONE, ["no longer exists", "/settings pingrole"]),
        (RoleProblem.REFUSED, ["Discord refused", ROLE]),
    ],
)
def test_the_moderators_sentence_names_the_problem_and_the_roles(problem, expected):
    text = moderator_problem(problem, ROLE, MINE)
    assert all(part in text for part in expected), text


def test_the_problems_differ_for_the_member():
    assert len({member_refusal(p) for p in RoleProblem}) == len(RoleProblem)


def test_an_unmentionable_role_says_how_to_make_it_ping():
    text = not_mentionable(ROLE)
    assert ROLE in text and "Mention @everyone" in text and "Allow anyone to @mention this role" in text
