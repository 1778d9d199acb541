"""Per-client limits kept in Django's cache, which settings make shared by every process and server.

Clients are told apart by a keyed hash of their address, which exists only in the cache and
only for the length of the window: nothing about a client is ever written to the database
(the database cache keeps the hash, never the address).
"""
import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The client's address: behind MINPING_TRUSTED_PROXIES proxies, the X-Forwarded-For entry that
    many places from the end (each proxy appends the address it was reached from, so entries further
    left were written by the client and prove nothing); with none, the peer's address."""
    depth = settings.MINPING_TRUSTED_PROXIES
    peer = request.META.get("REMOTE_ADDR", "")
    if depth <= 0:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return peer
    # Fewer entries than proxies: the request passed fewer proxies; the first entry is the furthest seen.
    return forwarded[-depth] if len(forwarded) >= depth else forwarded[0]


def client_fingerprint(request, *, with_agent: bool = False) -> str:
    parts = [client_address(request)]
    if with_agent:
        parts.append(request.META.get("HTTP_USER_AGENT", ""))
    return hmac.new(settings.SECRET_KEY.encode(), "|".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def over_limit(scope: str, client: str, limit: int) -> bool:
    """Whether `client` has already used up `limit` hits of `scope` in the current window."""
    return cache.get(f"rl:{scope}:{client}", 0) >= limit


def hit(scope: str, client: str, window_seconds: int) -> int:
    """Count one hit; returns the count in the window (the window starts at the first hit)."""
    key = f"rl:{scope}:{client}"
    if cache.add(key, 1, window_seconds):
        cache.set(f"{key}:until", time.time() + window_seconds, window_seconds)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window_seconds)
        cache.set(f"{key}:until", time.time() + window_seconds, window_seconds)
        return 1


def window_ends(scope: str, client: str) -> float | None:
    """When `client`'s current window of `scope` ends (a Unix time), so a refusal can say until when."""
    return cache.get(f"rl:{scope}:{client}:until")


def was_seen(scope: str, client: str) -> bool:
    return cache.get(f"seen:{scope}:{client}") is not None


def mark_seen(scope: str, client: str, window_seconds: int) -> None:
    cache.set(f"seen:{scope}:{client}", 1, window_seconds)
