"""Telegram adapters: updates in, core calls, replies out as messages and keyboards."""
