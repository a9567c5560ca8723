"""First contact: a stranger opens the bot."""

from tests.harness import Harness


async def test_stranger_sees_public_menu(harness: Harness) -> None:
    user = harness.user(5001, "Olena", "uk")
    replies = await user.send("/start")
    assert len(replies) == 1
    print(replies[0].text, replies[0].buttons)
