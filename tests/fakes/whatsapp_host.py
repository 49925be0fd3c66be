"""``python -m tests.fakes.whatsapp_host whatsapp``: `b2a whatsapp` with WhatsApp itself faked.

The session process runs as `b2a whatsapp` runs it (its loop, leases, bridge,
Redis and database); only neonize's connection is the fake client of
``tests/fakes/web_client.py``, which connects at once and stays connected. No
WhatsApp server answers from this machine, so a subprocess test that needs
sessions to stay up (the many-hosts test) starts this instead of the real
command. The argument is ignored: it lets ``bench.harness.Stack.start`` start it
like any other process.
"""

from __future__ import annotations

import asyncio

from b2a.lib.log import configure_logging
from b2a.session.process import run_session_process
from b2a.settings import settings_from_environment
from tests.fakes.web_client import FakeWhatsApp


def main() -> None:
    settings = settings_from_environment()
    configure_logging(settings.core.log_level, settings.core.log_format)
    asyncio.run(run_session_process(settings, make_client=FakeWhatsApp()))


if __name__ == "__main__":
    main()
