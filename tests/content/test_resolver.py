"""The content loader's fast tag resolver gives exactly the safe loader's tags."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from bot.content.yaml_nodes import _ComposingResolver

YAML_LOOKALIKES = st.sampled_from(
    [
        "",
        "~",
        "null",
        "Null",
        "NULL",
        "yes",
        "No",
        "on",
        "OFF",
        "true",
        "False",
        "0",
        "-12",
        "0x1F",
        "0o17",
        "017",
        "1_000",
        "3.14",
        ".5",
        "-.inf",
        ".NaN",
        "1e3",
        "2026-11-25",
        "2026-11-25 09:00:00",
        "12:30:00",
        "<<",
        "=",
        "week",
        "Supply Chain",
        "+1",
        "0b101",
    ]
)


@given(st.one_of(YAML_LOOKALIKES, st.text(max_size=20)), st.booleans(), st.booleans())
def test_same_tag_as_pyyaml_for_any_scalar(value, plain, quoted_implicit):
    reference, fast = Resolver(), _ComposingResolver()
    implicit = (plain, quoted_implicit)
    assert fast.resolve(ScalarNode, value, implicit) == reference.resolve(ScalarNode, value, implicit)


def test_same_tags_for_collections():
    reference, fast = Resolver(), _ComposingResolver()
    for kind in (SequenceNode, MappingNode):
        assert fast.resolve(kind, None, (True, False)) == reference.resolve(kind, None, (True, False))
