"""One `App` per process, one cheap `Workspace` per actor.

A server makes one `App` at start: it holds the engine and its connection pool, the
workflow catalogue and the territory reference, built once and shared by its threads.
Each request then asks `app.workspace(account)` for a workspace of the signed-in
account (a few microseconds), whose rights `permissions` checks on every access.

    app = App("postgresql+psycopg://cpts@localhost/cpts")
    account = app.authenticate("claire", password)
    ws = app.workspace(account)
    ws.list_projects()

A shared PostgreSQL base is upgraded only by `app.init()` (see `store.database`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import accounts
from .accounts import Account, LoginSession
from .address_throttle import AddressThrottle
from .errors import Unauthenticated
from .shared import Shared
from .workspace import Workspace


class App(Shared):
    """The process-wide state of one base; thread-safe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Failed sign-ins per network address, in this process (see `address_throttle`).
        self.addresses = AddressThrottle()

    def workspace(self, account: Account | None = None, *, actor: str | None = None) -> Workspace:
        """A workspace acting as `account` (None: the local operator, named `actor`)."""
        return Workspace(account=account, actor=actor, shared=self)

    def account(self, login: str) -> Account:
        """The active account `login`, for an operator who acts as it without its password."""
        return accounts.account_for(self, login)

    def authenticate(self, login: str, password: str, *, address: str | None = None) -> Account:
        """The account these credentials open, or `Unauthenticated` (see `accounts`);
        `Throttled` while `address` (the caller's network address) failed too often."""
        if address is None:
            return accounts.authenticate(self, login, password)
        self.addresses.check(address, self.now())
        try:
            return accounts.authenticate(self, login, password)
        except Unauthenticated:
            self.addresses.failed(address, self.now())
            raise

    def calendar_account(self, token: str | None) -> Account | None:
        """The active account whose calendar address holds this secret, or None."""
        return accounts.calendar_account(self, token)

    def open_session(self, account: Account, *,
                     lifetime: timedelta = accounts.SESSION_LIFETIME) -> LoginSession:
        return accounts.open_session(self, account, lifetime=lifetime)

    def lookup_session(self, token: str | None) -> LoginSession | None:
        return accounts.lookup_session(self, token)

    def session_account(self, token: str | None) -> Account | None:
        """The account signed in with this session token, or None."""
        found = accounts.lookup_session(self, token)
        return found.account if found else None

    def close_session(self, token: str | None) -> None:
        accounts.close_session(self, token)
