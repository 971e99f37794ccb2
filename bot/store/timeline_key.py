"""The timeline key: the secret the timeline's hashes and the incident seals are made with.

It lives outside the database, so someone who can write to the database cannot recompute them.
BREACHBOT_TIMELINE_KEY gives it directly, BREACHBOT_TIMELINE_KEY_FILE names a file holding it; with
neither, Breachbot makes one on first use in the data directory (mode 0600), so a first run needs
nothing. Lose the key and the timeline can no longer be verified: back it up apart from the database.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from bot.config import ConfigError, Settings

KEY_FILE_NAME = "timeline.key"
_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def key_file(settings: Settings) -> Path:
    return settings.timeline_key_file or settings.data_dir / KEY_FILE_NAME


def load_timeline_key(settings: Settings) -> bytes:
    if settings.timeline_key:
        return settings.timeline_key.encode("utf-8")
    path = key_file(settings).resolve()
    with _lock:
        cached = _cache.get(str(path))
        if cached is None:
            cached = _read_or_make(path, make=settings.timeline_key_file is None)
            _cache[str(path)] = cached
        return cached


def _read_or_make(path: Path, *, make: bool) -> bytes:
    if make and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written whole to a private file, then linked into place: two processes starting at once
            # agree on one key (the second link fails and it reads the first), and none reads half a key.
            draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            try:
                os.link(draft, path)
            except FileExistsError:
                pass
            finally:
                draft.unlink()
        except OSError as problem:
            raise ConfigError(
                f"cannot make the timeline key at {path}: {problem.strerror}; set BREACHBOT_DATA_DIR to a "
                "writable folder, or BREACHBOT_TIMELINE_KEY / BREACHBOT_TIMELINE_KEY_FILE"
            ) from None
    try:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as problem:
        raise ConfigError(
            f"BREACHBOT_TIMELINE_KEY_FILE: cannot read {path} ({problem.strerror}): point it at the key file"
        ) from None
    if len(key) < 32:
        raise ConfigError(f"the timeline key in {path} is shorter than 32 characters: it is not the key Breachbot made")
    return key.encode("utf-8")


def forget_cached_keys() -> None:
    """For tests that change where the key lives."""
    with _lock:
        _cache.clear()
