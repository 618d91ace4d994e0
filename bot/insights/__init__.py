"""What the needs log tells funders: rows, statistics, periods, clustering of unmet needs, exports and reports.

It reads storage and names entries from the knowledge base; it never writes a need, and never talks to users.
"""
