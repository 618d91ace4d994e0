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


class SecretMissing(Exception):
    """Several instances share one database, so the key must be theirs alike: it comes from the environment."""


def load_secret(fallback_file: Path, *, shared: bool = False) -> bytes:
    """$KULTURLOTS_SECRET, else (for a database only this machine uses) a random key in a private file beside it."""
    if value := os.environ.get(SECRET_ENV):
        return value.encode()
    if shared:
        raise SecretMissing(f"{SECRET_ENV} is not set: with a database server every instance must pseudonymise users "
                            f"with the same key. Set it to a long random value (e.g. `openssl rand -hex 32`), the same "
                            "on every instance, and keep it: changing it splits each user's history in two.")
    if fallback_file.exists():
        return fallback_file.read_bytes().strip()
    fallback_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fallback_file.write_bytes(key)
    fallback_file.chmod(0o600)
    return key
