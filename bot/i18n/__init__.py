"""Every text people read, per language: the catalogs in ``locales/`` and the language a Telegram user speaks.

Used by the conversation, the desk and the reports alike; it uses nothing of Kulturlots but ``bot.languages``.
"""
