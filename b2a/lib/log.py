"""Logging set up the same way in every process."""

from __future__ import annotations

import logging
import sys

# SAQ prints a job's keyword arguments whenever its logger is at DEBUG: an
# emailed reset link, a customer's message. Those are never logged, so SAQ's
# logger stays at INFO or above (it then prints the job's name and id only).
_QUIET_AT_DEBUG = ("saq",)


def configure_logging(level: str) -> None:
    """One line per record on stderr (journald adds the time and unit)."""
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )
    floor = max(logging.getLogger().level, logging.INFO)
    for name in _QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(floor)
