"""A TCP proxy to a real server that a test cuts at an exact moment of the protocol.

The proxy forwards loopback connections to the server. Told to cut on some bytes,
it drops every connection the moment a client sends them (the request is not
forwarded) and refuses new connections until ``restore`` (or, given
``back_after``, for that many seconds): to the client that is a server gone
mid-request, as in a Redis failover, at the one request the test is about, with
nothing of our code replaced.
"""

from __future__ import annotations

import asyncio
import contextlib

from tests.services import free_port


class CutProxy:
    """Forwards 127.0.0.1:``port`` to ``target_port``; see the module docstring."""

    def __init__(self, target_port: int, *, cut_on: bytes, back_after: float | None = None) -> None:
        self.port = free_port()
        self.cut_on = cut_on
        self.back_after = back_after
        self.was_cut = False
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._coming_back: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CutProxy:
        await self.restore()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._coming_back is not None:
            await self._coming_back
        self._drop()

    async def restore(self) -> None:
        """Accept and forward connections again (after a cut)."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _restore_later(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.restore()

    def _drop(self) -> None:
        """Refuse new connections and close every open one."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._writers.update((client_w, server_w))
        await asyncio.gather(
            self._pump(client_r, server_w, watch=True),
            self._pump(server_r, client_w, watch=False),
        )

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, watch: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if watch and not self.was_cut and self.cut_on in data:
                    self.was_cut = True
                    self._drop()
                    if self.back_after is not None:
                        self._coming_back = asyncio.create_task(
                            self._restore_later(self.back_after)
                        )
                    return
                writer.write(data)
                await writer.drain()
        writer.close()
