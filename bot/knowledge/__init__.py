"""The curated base: entries as frozen values, read from YAML with located errors, and its health check.

The bottom of the core: it uses only the standard library, PyYAML and ``bot.languages``; nothing here
matches, stores or talks.
"""
