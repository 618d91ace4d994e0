"""What is kept: SQLModel tables, the engine and sessions, the needs log, pseudonyms and /forget.

It may use matching's values (a result to log) and the knowledge base; never the conversation, the desk
or insights, which build on it.
"""
