"""Telegram adapters: updates in, core calls, replies out as messages and keyboards."""

import os

# Opt in to python-telegram-bot's timedelta time periods now, instead of its deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "true")
