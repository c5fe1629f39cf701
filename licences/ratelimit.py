"""A fixed-window request counter in Django's cache: enough to stop a script from walking through
verification tokens, with no extra service.

The counter lives in the cache named by ONEWINDOW_RATE_LIMIT_CACHE (default "default"). With
several server processes that cache must be shared (database, Redis, memcached); a per-process
local-memory cache multiplies the limit by the number of processes.
"""

import dataclasses
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from audit.services import client_ip

VERIFY_SCOPE = "licence-verify"
VERIFY_LIMIT_PER_MINUTE = 30


@dataclasses.dataclass(frozen=True)
class Limit:
    allowed: bool
    retry_after: int  # seconds until the window ends


def fixed_window_hit(*, scope: str, ident: str, limit: int, window_seconds: int, now: float | None = None) -> Limit:
    """Count one request of `ident` in the current window of `scope`; refuse past `limit`."""
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    key = f"ratelimit:{scope}:{ident}:{window}"
    cache = caches[getattr(settings, "ONEWINDOW_RATE_LIMIT_CACHE", "default")]
    cache.add(key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds + 1)
        count = 1
    retry_after = max(1, int((window + 1) * window_seconds - now))
    return Limit(allowed=count <= limit, retry_after=retry_after)


def verification_limit(request: HttpRequest) -> Limit:
    """The verification page and API share one budget per client IP."""
    limit = getattr(settings, "ONEWINDOW_LICENCE_VERIFY_PER_MINUTE", VERIFY_LIMIT_PER_MINUTE)
    return fixed_window_hit(scope=VERIFY_SCOPE, ident=client_ip(request) or "unknown", limit=limit, window_seconds=60)
