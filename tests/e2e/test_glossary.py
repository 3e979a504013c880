"""/concept and /concepts as members use them."""

from __future__ import annotations


def _names(choices):
    return [choice["name"] for choice in choices]


async def test_concept_shows_definition_related_and_lessons(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    embed = result.embeds[0]
    assert not result.ephemeral
    assert embed["title"] == "Supply Chain Dependence"
    assert "relying on foreign hardware" in embed["description"]
    buttons = [c for row in result.components for c in row["components"]]
    custom_ids = [button["custom_id"] for button in buttons]
    assert "lesson:2026-11-whither-russias-ai-ambition" in custom_ids
    assert "concept:export-controls" in custom_ids


async def test_concept_found_by_alias_typed_freely(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="  Supply chain ")
    assert result.embeds[0]["title"] == "Supply Chain Dependence"


async def test_unknown_concept_is_private_and_suggests(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="suply chian dependance")
    assert result.ephemeral
    assert not result.embeds
    assert "Supply Chain Dependence" in result.content


async def test_autocomplete_by_prefix_word_prefix_alias_and_typo(harness):
    fake = harness.fake
    by_prefix = await fake.autocomplete(fake.member, "concept", focused="term", value="supp")
    by_word = await fake.autocomplete(fake.member, "concept", focused="term", value="chain")
    by_typo = await fake.autocomplete(fake.member, "concept", focused="term", value="nueral network")
    by_alias = await fake.autocomplete(fake.member, "concept", focused="term", value="LLM")
    assert _names(by_prefix)[0] == "Supply Chain Dependence"
    assert "Supply Chain Dependence" in _names(by_word)
    assert "Neural Network" in _names(by_typo)
    assert _names(by_alias)[0] == "Large Language Model"
    everything = await fake.autocomplete(fake.member, "concept", focused="term", value="")
    assert 1 <= len(everything) <= 25


async def test_related_concept_button_opens_it_privately(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    click = await fake.click(fake.member, result.message, "concept:export-controls")
    assert click.ephemeral
    assert click.embeds[0]["title"] == "Export Controls"


async def test_lesson_button_shows_the_lesson(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    click = await fake.click(fake.member, result.message, "lesson:2026-11-whither-russias-ai-ambition")
    assert click.ephemeral
    assert click.embeds[0]["title"] == "Whither Russia’s AI ambition"


async def test_concepts_pages_forward_and_back(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concepts")
    first_page = result.embeds[0]
    assert "Page 1 of" in first_page["footer"]["text"]
    next_id = next(
        c["custom_id"]
        for row in result.components
        for c in row["components"]
        if c["custom_id"].endswith(":n")
    )
    turned = await fake.click(fake.member, result.message, next_id)
    page_two = fake.message(result.message["id"])["embeds"][0]
    assert turned.responded
    assert "Page 2 of" in page_two["footer"]["text"]
    assert page_two["description"] != first_page["description"]


async def test_concepts_filtered_by_tag_and_unknown_tag(harness):
    fake = harness.fake
    tagged = await fake.slash(fake.member, "concepts", tag="hardware")
    assert "GPU" in tagged.embeds[0]["description"] or "Graphics" in tagged.embeds[0]["description"]
    unknown = await fake.slash(fake.member, "concepts", tag="astrology")
    assert unknown.ephemeral
    assert "No concept has the tag" in unknown.content
