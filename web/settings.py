"""What an administrator may set when serving: cookies behind HTTPS, trusted proxies, limits."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# A form is a few fields of text: 1 Mio leaves room for long notes and refuses floods.
DEFAULT_MAX_BODY = 1024 * 1024
# An evidence upload: a file of at most 10 Mo (checked by the library) and its form.
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024 + 64 * 1024


@dataclass(frozen=True)
class Settings:
    """`secure_cookies`: send cookies with `Secure` (the site is served over HTTPS).
    `require_login`: None (default) asks to sign in as soon as the base has an account.
    `trusted_proxies`: addresses of reverse proxies whose `X-Forwarded-Proto`/`-For` are
    believed (the HTTPS seen by the proxy then makes cookies `Secure`). `max_body`: bytes
    accepted in one request body; `max_upload` in an evidence upload.
    """

    secure_cookies: bool = False
    trusted_proxies: tuple[str, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    max_upload: int = DEFAULT_MAX_UPLOAD
    page_size: int = 50
    # Shown on every page of a demonstration server (its account and password are public).
    banner: str | None = None
    # Sign-in: None = required as soon as the base has an account; True/False force it.
    require_login: bool | None = None

    def trusts(self, host: str | None) -> bool:
        """Whether a request coming from `host` is one of the trusted proxies."""
        if not host or not self.trusted_proxies:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        for entry in self.trusted_proxies:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                continue
        return False
