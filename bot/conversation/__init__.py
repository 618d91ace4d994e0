"""The culture actor's side: events in, replies out — dialogue, browsing, answer cards, escalation, console.

It returns replies and never sends them; the Telegram handlers and the console render the same replies.
It uses everything below it: the desk (tickets), storage, matching, i18n and the knowledge base.
"""
