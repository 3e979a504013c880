from tests.e2e.conftest import FIRST_LESSON


async def test_concept_answers_with_the_glossary_entry(harness):
    fake = harness.fake
    result = await fake.slash(fake.member, "concept", term="supply-chain-dependence")
    assert not result.ephemeral
    assert result.embeds[0]["title"] == "Supply Chain Dependence"


async def test_moderator_posts_lesson_with_thread(harness):
    fake = harness.fake
    result = await fake.slash(fake.moderator, "post", lesson=FIRST_LESSON, channel=fake.text)
    assert result.ephemeral
    threads = fake.threads(fake.text)
    assert len(threads) == 1
    assert "Food for thought" in fake.messages(threads[0])[0]["content"]
