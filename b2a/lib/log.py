"""Logging set up the same way in every process."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """One line per record on stderr (journald adds the time and unit)."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
