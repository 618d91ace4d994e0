"""Matching: text analysis (folding, stems, stop words, concepts), the gazetteer, the index, the matcher and the
confidence model that second-guesses its rules.

Pure: a question and an index in, ranked matches and a decision out. Its language data (``data/``) is
general knowledge — synonyms across four languages, filler words, places — never answers; the confidence
model's weights are fitted numbers, no words. It uses ``bot.knowledge`` and ``bot.config``; never storage,
the conversation, the desk or insights.
"""
