"""Portfolio reports: queries (`queries`), flat rows (`tabular`), SVG charts (`charts`) and
the self-contained HTML page (`render_html`)."""

from .queries import (
    DEFAULT_STALLED_DAYS,
    PORTFOLIO_STEPS,
    latest_portfolio,
    portfolio,
    project_report,
    stalled,
)

__all__ = ["DEFAULT_STALLED_DAYS", "PORTFOLIO_STEPS", "latest_portfolio", "portfolio", "project_report", "stalled"]
