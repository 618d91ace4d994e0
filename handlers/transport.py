"""python-telegram-bot's requests over aiohttp: a Bot API call costs a fifth of the CPU it costs over httpx.

Measured on the project's emulator (16 calls at once, a 700-character answer with buttons): 0.6 ms of CPU a
`sendMessage` over aiohttp, 2.9 ms over python-telegram-bot's default `HTTPXRequest` (httpx, httpcore and anyio
in pure Python). Under load the bot is CPU-bound; its sends were 40 % of the interpreter's samples, though the
whole update got only about a tenth cheaper (README, "Reliability", round 14).
Uploads (reports, calendar files) go through `HTTPXRequest` as before: a large body is written over time, and
only httpx tells a read timeout after the whole request went out from one while it was still being written.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

USER_AGENT = "python-telegram-bot over aiohttp (Kulturlots)"


class AnsweredLate(TimedOut):
    """No answer within the read timeout after the whole request was written: Telegram most likely performed it."""


def _seconds(value: object, default: float | None) -> float | None:
    """A timeout python-telegram-bot passes: a number, None (wait for ever) or DEFAULT_NONE (ours)."""
    if value is None or isinstance(value, int | float):
        return value
    return default


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a bounded connection pool; timeouts and errors as python-telegram-bot's own."""

    def __init__(self, *, pool_size: int = 16, read_timeout: float | None = 5.0, connect_timeout: float = 5.0,
                 pool_timeout: float = 1.0, upload_timeout: float = 20.0) -> None:
        self.pool_size, self._read, self._connect, self._pool = pool_size, read_timeout, connect_timeout, pool_timeout
        self.uploads = HTTPXRequest(connection_pool_size=2, read_timeout=read_timeout, write_timeout=upload_timeout,
                                    connect_timeout=connect_timeout, pool_timeout=pool_timeout,
                                    media_write_timeout=upload_timeout)
        self._session: aiohttp.ClientSession | None = None
        self._free: asyncio.Semaphore | None = None  # a free connection, waited for at most the pool timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": USER_AGENT})
            self._free = asyncio.Semaphore(self.pool_size)  # made in the loop that uses it
        await self.uploads.initialize()

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self.uploads.shutdown()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if request_data is not None and request_data.contains_files:
            return await self.uploads.do_request(url, method, request_data, read_timeout, write_timeout,
                                                 connect_timeout, pool_timeout)
        if self._session is None or self._free is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        free = self._free
        connect = _seconds(connect_timeout, self._connect)
        timeout = aiohttp.ClientTimeout(total=None, sock_read=_seconds(read_timeout, self._read), sock_connect=connect,
                                        connect=connect)
        data = request_data.json_parameters if request_data is not None else None
        try:
            async with asyncio.timeout(_seconds(pool_timeout, self._pool)):
                await free.acquire()
        except TimeoutError:
            raise TimedOut("Pool timeout: all connections are busy; the request was not sent") from None
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except aiohttp.SocketTimeoutError as late:  # the request (a small form, written at once) went out whole
            raise AnsweredLate from late
        except TimeoutError as error:  # no connection in time: the request never left
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        finally:
            free.release()
