"""load_glossary: concepts built from the YAML, bad entries left out, problems at their lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.glossary_file import load_glossary, parse_glossary
from bot.content.models import Concept


def load(tmp_path: Path, text: str) -> tuple[list[Concept], list[str]]:
    path = tmp_path / "glossary.yaml"
    path.write_text(text, encoding="utf-8")
    concepts, problems = load_glossary(path)
    return concepts, [f"{p.line}: {p.message}" for p in problems]


GOOD = """\
concepts:
  - key: gpu
    term: GPU
    definition: A chip for many calculations at once.
    aliases: [graphics processing unit]
    related: [compute]
    tags: [hardware]
  - key: compute
    term: Compute
    definition: |
      Computing power.
    related: [gpu]
"""


def test_entries_become_concepts(tmp_path: Path):
    concepts, problems = load(tmp_path, GOOD)
    assert problems == []
    assert concepts == [
        Concept(
            "gpu",
            "GPU",
            "A chip for many calculations at once.",
            ("graphics processing unit",),
            ("compute",),
            ("hardware",),
        ),
        Concept("compute", "Compute", "Computing power.", (), ("gpu",), ()),
    ]


def test_a_bad_entry_is_left_out_and_the_rest_served(tmp_path: Path):
    text = GOOD + "  - key: tpu\n    term: TPU\n    definition: ''\n"
    concepts, problems = load(tmp_path, text)
    assert [c.key for c in concepts] == ["gpu", "compute"]
    assert problems == ["15: definition is empty."]


def test_related_keys_of_a_left_out_entry_are_dropped_from_the_served_ones(tmp_path: Path):
    text = (
        GOOD.replace("related: [compute]", "related: [compute, tpu]")
        + "  - key: tpu\n    term: GPU\n    definition: x\n"
    )
    concepts, problems = load(tmp_path, text)
    assert problems == [
        "14: term 'GPU' is already a name of 'gpu' (line 3); each term and alias must name one concept."
    ]
    assert concepts[0].related == ("compute",)


def test_names_clash_across_concepts_as_search_would_see_them(tmp_path: Path):
    text = GOOD.replace("[graphics processing unit]", "[graphics-processing unit]") + (
        "  - key: card\n    term: Graphics card\n    definition: x\n    aliases: [Graphics Processing Unit]\n"
    )
    _, problems = load(tmp_path, text)
    assert problems == [
        "16: alias 'Graphics Processing Unit' is already a name of 'gpu' (line 5); "
        "each term and alias must name one concept."
    ]


def test_a_spelling_variant_within_one_concept_is_fine_but_a_repeat_is_not(tmp_path: Path):
    variant = (
        "concepts:\n  - key: fine-tuning\n    term: Fine-tuning\n    definition: x\n"
        "    aliases: [fine tuning]\n"
    )
    assert load(tmp_path, variant)[1] == []
    repeat = variant.replace("[fine tuning]", "[FINE-TUNING]")
    assert load(tmp_path, repeat)[1] == ["5: alias 'FINE-TUNING' repeats 'Fine-tuning' of the same concept."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["1: the glossary is empty; it needs a top-level 'concepts:' list."]),
        (
            "terms: []\n",
            [
                "1: unknown top-level field 'terms'; only 'concepts' is allowed.",
                "1: the glossary has no top-level 'concepts:' list.",
            ],
        ),
        ("concepts: 3\n", ["1: 'concepts' must be a list of entries, got '3'."]),
        (
            "concepts:\n  - just a term\n",
            ["2: a glossary entry must be a mapping with key, term and definition, got 'just a term'."],
        ),
        (
            "concepts:\n  - key: a\n    term: A\n    definition: x\n    related: [a, b, b]\n"
            "  - key: b\n    term: B\n    definition: y\n",
            ["5: 'a' lists itself as related.", "5: related lists 'b' twice."],
        ),
        (
            "concepts:\n  - key: gpu\n    term: GPU\n    definition: x\n    related: [compte]\n"
            "  - key: compute\n    term: C\n    definition: y\n",
            ["5: related key 'compte' is not a concept in the glossary; did you mean 'compute'?"],
        ),
        ("concepts:\n  - term: GPU\n    definition: x\n", ["2: a glossary entry is missing 'key'."]),
        (
            "concepts:\n  - key: gpu\n    term: GPU\n    term: G\n    definition: x\n",
            ["4: field 'term' appears twice in this entry."],
        ),
        (
            "concepts:\n  - key: a--b\n    term: A\n    definition: x\n",
            [
                "2: key 'a--b' must be lowercase letters, digits and single hyphens, "
                "like 'supply-chain-dependence'."
            ],
        ),
        (
            "concepts:\n  - key: a\n    term: A\n    definition: " + "d" * 4097 + "\n",
            ["4: definition is 4097 characters long; an embed description holds at most 4096."],
        ),
        (
            "concepts:\n  - key: a\n    term: " + "t" * 257 + "\n    definition: x\n",
            ["3: term is 257 characters long; an embed title holds at most 256."],
        ),
        (
            "concepts:\n  - key: a\n    term: A\n    definition: x\n    tags: {a: 1}\n",
            ["5: tags must be a list, got a mapping."],
        ),
        (
            "concepts:\n- key: a\n  term: 'A\n",
            ["3: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar)."],
        ),
    ],
)
def test_glossary_problems(tmp_path: Path, text: str, expected: list[str]):
    assert load(tmp_path, text)[1] == expected


def test_defined_keys_include_entries_left_out(tmp_path: Path):
    parsed = parse_glossary(tmp_path / "g.yaml", "concepts:\n  - key: a\n    term: A\n    definition: ''\n")
    assert parsed.concepts == ()
    assert parsed.defined_keys == frozenset({"a"})


def test_a_large_glossary_loads_completely(tmp_path: Path):
    lines = ["concepts:"]
    for i in range(2000):
        lines += [
            f"  - key: k-{i}",
            f"    term: Term {i}",
            f"    definition: Definition {i}.",
            f"    aliases: [a{i}]",
            f"    related: [k-{(i + 1) % 2000}]",
        ]
    concepts, problems = load(tmp_path, "\n".join(lines) + "\n")
    assert problems == []
    assert len(concepts) == 2000
    assert concepts[1999].related == ("k-0",)
