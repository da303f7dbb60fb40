"""`cpts serve`: the web app for mission officers (FastAPI, Jinja2 pages, htmx).

The web layer parses requests, calls the library and renders pages: no SQL and no
permission decision here. `create_app()` builds the application; `cpts serve` runs it.
"""

from .app import create_app

__all__ = ["create_app"]
