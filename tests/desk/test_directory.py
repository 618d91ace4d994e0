"""Staff identity: the allowlist, group membership, and a short cache of Telegram's answer."""

from bot.config import StaffSettings
from bot.desk.directory import StaffDirectory


async def test_allowlisted_users_are_staff_without_asking_telegram() -> None:
    asked: list[int] = []

    async def check(user_id: int) -> str | None:
        asked.append(user_id)
        return None

    directory = StaffDirectory(StaffSettings(group_chat_id=-100, user_ids=(7,)), check)
    assert await directory.is_staff(7)
    assert not await directory.is_staff(8)
    assert asked == [8]


async def test_group_membership_is_cached_for_the_configured_time() -> None:
    now = [0.0]
    answers = {1: "member", 2: "left"}
    asked: list[int] = []

    async def check(user_id: int) -> str | None:
        asked.append(user_id)
        return answers[user_id]

    directory = StaffDirectory(StaffSettings(group_chat_id=-100, member_cache_seconds=60), check,
                               clock=lambda: now[0])
    assert await directory.is_staff(1) and not await directory.is_staff(2)
    answers[1] = "kicked"
    assert await directory.is_staff(1)  # cached
    now[0] = 61.0
    assert not await directory.is_staff(1)
    assert asked == [1, 2, 1]


async def test_without_a_staff_group_only_the_allowlist_counts() -> None:
    async def check(user_id: int) -> str | None:
        raise AssertionError("no group to ask")

    assert not await StaffDirectory(StaffSettings(), check).is_staff(5)
