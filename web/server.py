"""Running the app under uvicorn: `cpts serve` and `cpts demo --serve` come here.

Workers are separate processes: each builds its app from the environment
(`app_from_env`), so the settings travel as environment variables.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket

from fastapi import FastAPI

from .settings import Settings

ENV_SETTINGS = "CPTS_WEB_SETTINGS"


def is_loopback(host: str) -> bool:
    """Whether `host` listens on this machine only (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def has_admin(ws) -> bool:
    """Whether the base has an active admin account (then every visitor must sign in)."""
    from cpts_workflow.accounts import list_accounts

    return any(a.role == "admin" and a.active for a in list_accounts(ws))


def app_from_env() -> FastAPI:
    """The app of one worker: base from `CPTS_DATABASE_URL`, settings from `CPTS_WEB_SETTINGS`."""
    from .app import create_app

    raw = json.loads(os.environ.get(ENV_SETTINGS) or "{}")
    raw["trusted_proxies"] = tuple(raw.get("trusted_proxies", ()))
    return create_app(os.environ.get("CPTS_DATABASE_URL"), settings=Settings(**raw))


def serve(url: str | None, host: str, port: int, workers: int, settings: Settings) -> None:
    """Serve until interrupted (the calling command checked the base and the address)."""
    import uvicorn

    if url:
        os.environ["CPTS_DATABASE_URL"] = url
    os.environ[ENV_SETTINGS] = json.dumps({
        "secure_cookies": settings.secure_cookies, "trusted_proxies": list(settings.trusted_proxies),
        "max_body": settings.max_body, "page_size": settings.page_size, "banner": settings.banner,
    })
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    uvicorn.run("cpts_web.server:app_from_env", factory=True, host=host, port=port,
                workers=workers if workers > 1 else None, proxy_headers=False,
                server_header=False, log_level="info")
