"""Logging set up the same way in every process."""

from __future__ import annotations

import logging
import sys

# SAQ prints a job's keyword arguments whenever its logger is at DEBUG (an
# emailed reset link, a customer's message), and three lines per job at INFO,
# cron jobs every few seconds included. b2a.worker logs one line per job
# without its arguments, so SAQ's own logger speaks only of problems.
_LIBRARY_FLOOR = {"saq": logging.WARNING}


def configure_logging(level: str) -> None:
    """One line per record on stderr (journald adds the time and unit)."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    for name, floor in _LIBRARY_FLOOR.items():
        logging.getLogger(name).setLevel(max(logging.getLogger().level, floor))
