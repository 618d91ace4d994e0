"""Kulturlots' core: everything but Telegram.

Layers, each package using only those below it (checked by import-linter, see pyproject.toml):
``cli`` → ``operations`` → ``conversation`` → ``contact`` → ``reminders`` → ``desk`` → ``insights`` → ``services``
→ ``storage`` → ``matching`` → ``i18n`` → ``knowledge`` → ``config`` and ``languages``. ``handlers/`` (the Telegram
front end) sits above them all; nothing here imports it or ``telegram``, except ``cli``'s ``run`` and ``doctor``
commands, which enter it.
"""
