"""Failed sign-ins counted per network address, in memory, within a fixed budget.

The per-login count (`accounts.authenticate`, in the base) stops guessing one account's
password; this one stops one address from trying password after password across many
logins. It answers the same whether the logins tried exist or not. Each server process
counts its own attempts: a bounded table (`capacity` addresses, the oldest forgotten
first) that a flood of addresses cannot grow. An IPv6 address counts for its /64, the
block one subscriber usually holds.
"""

from __future__ import annotations

import ipaddress
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from .errors import Throttled

# Higher than the per-login limit: an office behind one address shares it.
MAX_FAILURES = 20
WINDOW = timedelta(minutes=15)
BLOCKED_FOR = timedelta(minutes=15)
CAPACITY = 10_000


@dataclass
class _Entry:
    failures: int
    window_start: datetime
    blocked_until: datetime | None = None


def address_key(address: str) -> str:
    """The key an address counts under: itself, its /64 for IPv6, bounded text otherwise."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if parsed.version == 6:
        mapped = parsed.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


class AddressThrottle:
    """Thread-safe counts of failed sign-ins per address."""

    def __init__(self, *, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW,
                 blocked_for: timedelta = BLOCKED_FOR, capacity: int = CAPACITY) -> None:
        self.max_failures = max_failures
        self.window = window
        self.blocked_for = blocked_for
        self.capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def check(self, address: str, now: datetime) -> None:
        """`Throttled` while this address is blocked."""
        with self._lock:
            entry = self._entries.get(address_key(address))
            until = entry.blocked_until if entry is not None else None
        if until is not None and until > now:
            seconds = math.ceil((until - now).total_seconds())
            minutes = max(1, math.ceil(seconds / 60))
            raise Throttled(
                "Trop de tentatives de connexion échouées depuis votre adresse réseau ; "
                f"réessayez dans {minutes} minute{'s' if minutes > 1 else ''}.",
                "Si vous avez oublié votre mot de passe, demandez-en un nouveau à "
                "l'administrateur.",
                retry_after=seconds,
            )

    def failed(self, address: str, now: datetime) -> None:
        """Count one failed sign-in from `address`."""
        key = address_key(address)
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or (entry.window_start <= now - self.window
                                 and not (entry.blocked_until and entry.blocked_until > now)):
                entry = _Entry(0, now)
            entry.failures += 1
            if entry.failures >= self.max_failures:
                entry.blocked_until = now + self.blocked_for
            self._entries[key] = entry  # most recent last
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
