"""Loading many small records at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while tens of thousands of records are built.

    Rows, tuples and sets hold no reference cycles, so the collector frees nothing there;
    yet each of its passes walks every object of the process (SQLAlchemy and pydantic
    included), which cost 10-15 % of a national report. Nested uses keep it paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
