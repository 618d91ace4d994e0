"""The bot's own sending limits as feature tests run them: without pacing one private chat or spreading a burst,
so a dialogue of ten steps does not wait ten seconds for it (the pacing has its own tests:
tests/desk/test_limits.py, and tests/handlers/test_delivery_e2e.py against Telegram's limits enforced)."""

from bot.desk.limits import Limits

UNPACED = Limits(chat_burst=1000, per_group_minute=600, spread=0.0)
