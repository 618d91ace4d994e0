"""Pseudonymous user keys: an HMAC of the Telegram user id, so the needs log never holds the id."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SECRET_ENV = "KULTURLOTS_SECRET"


def user_key(user_id: int | str, secret: bytes) -> str:
    """A stable, non-reversible key for one user under one secret."""
    return hmac.new(secret, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def load_secret(fallback_file: Path) -> bytes:
    """$KULTURLOTS_SECRET, else a random key kept in a private file beside the database."""
    if value := os.environ.get(SECRET_ENV):
        return value.encode()
    if fallback_file.exists():
        return fallback_file.read_bytes().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fallback_file.write_bytes(key)
    fallback_file.chmod(0o600)
    return key
