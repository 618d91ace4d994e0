"""The staff side: tickets, the staff group's messages and commands, who is staff, and the outbox.

Everything a ticket causes is an outbox row written in the same transaction. It uses storage, insights
(for /export, /report, /stats), matching's values and the app-wide services; never the conversation.
"""
