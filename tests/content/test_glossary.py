"""Glossary search: what a member typing into /concept gets back."""

from __future__ import annotations

import pytest

from bot.content.glossary import MAX_QUERY, Glossary, normalise
from bot.content.models import Concept


def concept(key: str, term: str, *aliases: str, tags: tuple[str, ...] = ()) -> Concept:
    return Concept(key=key, term=term, definition=f"About {term}.", aliases=aliases, tags=tags)


CONCEPTS = [
    concept("supply-chain-dependence", "Supply Chain Dependence", "supply chain risk", tags=("policy",)),
    concept("neural-network", "Neural Network", "NN", "neural net", tags=("models",)),
    concept("gpu", "GPU", "graphics processing unit", tags=("hardware",)),
    concept("fine-tuning", "Fine-tuning", "finetuning", tags=("training", "models")),
    concept("training", "Training", "model training", tags=("training",)),
    concept("transformer", "Transformer", tags=("models",)),
    concept("inference", "Inference", "serving"),
    concept("export-controls", "Export Controls", "sanctions", tags=("Policy",)),
    concept("chain-of-thought", "Chain of Thought", "CoT"),
    concept("semiconductor-fab", "Semiconductor Fab", "chip fab", "foundry", tags=("hardware",)),
    concept("talent-flight", "Talent Flight", "brain drain"),
    concept("moores-law", "Moore's Law"),
]


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary(CONCEPTS)


def terms(concepts: list[Concept]) -> list[str]:
    return [c.term for c in concepts]


def test_concepts_are_sorted_by_term_and_get_by_key(glossary):
    assert terms(list(glossary.concepts)) == sorted(terms(CONCEPTS), key=str.casefold)
    assert glossary.get("gpu").term == "GPU"
    assert glossary.get("GPU") is None  # keys are exact; find() is the forgiving one


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("Supply Chain Dependence", "Supply Chain Dependence"),
        ("  supply   chain  dependence ", "Supply Chain Dependence"),
        ("supply-chain-dependence", "Supply Chain Dependence"),
        ("SUPPLY_CHAIN_DEPENDENCE", "Supply Chain Dependence"),
        ("fine tuning", "Fine-tuning"),
        ("finetuning", "Fine-tuning"),
        ("nn", "Neural Network"),
        ("Neural net!", "Neural Network"),
        ("moores law", "Moore's Law"),
        ("brain drain", "Talent Flight"),
    ],
)
def test_find_ignores_case_spacing_hyphens_and_punctuation(glossary, query, term):
    assert glossary.find(query).term == term


def test_find_misses_return_none(glossary):
    assert glossary.find("quantum computing") is None
    assert glossary.find("") is None
    assert glossary.find("  -- ") is None


def test_normalise_folds_what_find_ignores():
    assert normalise("  Fine--Tuning_Model ") == "fine tuning model"
    assert normalise("Moore’s Law") == "moores law"


def test_complete_ranks_the_exact_match_first(glossary):
    # "training" is also a prefix of "model training"'s word and a word of "Fine-tuning"'s tags,
    # but the concept named exactly that comes first.
    assert terms(glossary.complete("training"))[0] == "Training"
    assert terms(glossary.complete("Chain of thought"))[0] == "Chain of Thought"


def test_complete_finds_by_alias(glossary):
    assert terms(glossary.complete("graphics")) == ["GPU"]
    assert terms(glossary.complete("sanct")) == ["Export Controls"]


def test_complete_prefix_comes_before_word_prefix(glossary):
    # "Chain of Thought" starts with "chain"; "Supply Chain Dependence" has a word that does.
    assert terms(glossary.complete("chain")) == ["Chain of Thought", "Supply Chain Dependence"]


@pytest.mark.parametrize("query", ["chain", "dep", "Dependence", "chain dep"])
def test_complete_finds_by_word_prefix(glossary, query):
    assert "Supply Chain Dependence" in terms(glossary.complete(query))


@pytest.mark.parametrize(
    ("query", "term"),
    [
        ("suply chain", "Supply Chain Dependence"),
        ("supply chian", "Supply Chain Dependence"),
        ("nueral network", "Neural Network"),
        ("nueral", "Neural Network"),
        ("transfromer", "Transformer"),
        ("semiconductr", "Semiconductor Fab"),
        ("dependance", "Supply Chain Dependence"),
    ],
)
def test_complete_tolerates_typos(glossary, query, term):
    assert terms(glossary.complete(query))[0] == term


def test_complete_empty_query_lists_alphabetically(glossary):
    assert terms(glossary.complete("")) == terms(list(glossary.concepts))
    assert terms(glossary.complete("   ", limit=3)) == terms(list(glossary.concepts[:3]))


def test_complete_never_repeats_nor_exceeds_the_limit():
    many = [concept(f"term-{i:03}", f"Term {i:03}", f"alias term {i:03}") for i in range(200)]
    glossary = Glossary(many)
    for query in ("term", "t", "alias", "term 1", "alias trm", ""):
        found = glossary.complete(query)
        assert len(found) == 25
        assert len({c.key for c in found}) == 25
    assert len(glossary.complete("term", limit=100)) == 25
    assert len(glossary.complete("term", limit=5)) == 5
    assert glossary.complete("term", limit=0) == []


def test_complete_nonsense_finds_nothing(glossary):
    assert glossary.complete("zzqxj") == []


def test_suggest_offers_close_concepts_for_a_miss(glossary):
    assert terms(glossary.suggest("nueral netwrk"))[0] == "Neural Network"
    assert terms(glossary.suggest("suply chain dependance"))[0] == "Supply Chain Dependence"
    assert terms(glossary.suggest("inferense"))[0] == "Inference"
    assert "Supply Chain Dependence" in terms(glossary.suggest("chain"))


def test_suggest_is_at_most_five_and_only_similar(glossary):
    assert len(glossary.suggest("t", limit=50)) <= 5
    assert glossary.suggest("zzqxj") == []
    assert glossary.suggest("") == []
    many = Glossary([concept(f"model-{i}", f"Model {i}") for i in range(50)])
    assert len(many.suggest("model")) == 5


def test_a_pasted_page_is_searched_by_its_first_characters(glossary):
    """Past MAX_QUERY characters nothing is searched, so a 6,000-character paste costs a
    keystroke no more than a name does (issue 10, item 7) and still finds what it starts with."""
    page = " ".join(f"word{i}" for i in range(1000))
    assert len(page) > 6 * MAX_QUERY
    assert terms(glossary.complete("Supply chain dep" + " " * MAX_QUERY + page)) == [
        "Supply Chain Dependence"
    ]
    assert terms(glossary.suggest("nueral netwrk" + " " * MAX_QUERY + page))[0] == "Neural Network"


def test_tags(glossary):
    # One entry per tag whatever its case, in alphabetical order.
    assert [t.casefold() for t in glossary.tags()] == ["hardware", "models", "policy", "training"]
    assert terms(list(glossary.with_tag("POLICY"))) == ["Export Controls", "Supply Chain Dependence"]
    assert glossary.with_tag("nope") == ()


def test_prepare_is_optional_and_idempotent():
    glossary = Glossary(CONCEPTS)
    glossary.prepare()
    glossary.prepare()
    assert terms(glossary.complete("nueral"))[0] == "Neural Network"


def test_an_empty_glossary_answers_nothing():
    glossary = Glossary([])
    assert glossary.complete("") == []
    assert glossary.complete("gpu") == []
    assert glossary.suggest("gpu") == []
    assert glossary.find("gpu") is None
    assert glossary.tags() == []
