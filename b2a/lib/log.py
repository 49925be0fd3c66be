"""Logging set up the same way in every process, as text lines or JSON objects.

``B2A_LOG_FORMAT=json`` writes one JSON object per line (for Loki, Elastic,
journald's JSON export), each carrying the ids of what it happened in: the
HTTP request (``request``), the tenant (``tenant``) and the queue job
(``job``). The adapters set them (``b2a.server.requestid``, the server's
authentication and webhooks, the worker's job hook) in context variables, so
every log line inside a request or job carries them without being passed.
No id is a secret; a record's message is what the code wrote, and no code
writes a secret (``tests/reliability/test_secrets_in_logs.py``).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

FORMATS = ("text", "json")

request_id: ContextVar[str] = ContextVar("b2a_request_id", default="")
"""The HTTP request being answered (its ``X-Request-ID``)."""
tenant_id: ContextVar[str] = ContextVar("b2a_tenant_id", default="")
"""The tenant whose data the request or job works on, once known."""
job_id: ContextVar[str] = ContextVar("b2a_job_id", default="")
"""The queue job being run (its key: the same for each of its attempts)."""

_CONTEXT = (("request", request_id), ("tenant", tenant_id), ("job", job_id))

# SAQ prints a job's keyword arguments whenever its logger is at DEBUG (an
# emailed reset link, a customer's message), and three lines per job at INFO,
# cron jobs every few seconds included. b2a.worker logs one line per job
# without its arguments, so SAQ's own logger speaks only of problems.
_LIBRARY_FLOOR = {"saq": logging.WARNING}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the context's ids, error."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (non-ASCII text kept as it is)."""
        entry: dict[str, str] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, variable in _CONTEXT:
            if value := variable.get():
                entry[key] = value
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: str = "text") -> None:
    """Records at ``level`` and above on stderr (journald adds the time and unit to text)."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    for name, floor in _LIBRARY_FLOOR.items():
        logging.getLogger(name).setLevel(max(logging.getLogger().level, floor))
