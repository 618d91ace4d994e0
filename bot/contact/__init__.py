"""Kontakt: culture actors find each other. The opt-in directory of cards, the search by role or art form and
place, and introductions that need a yes on both sides; between storage (its tables) and the conversation."""
