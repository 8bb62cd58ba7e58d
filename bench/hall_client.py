"""A protocol-level Streamlit visitor for the hall benchmark: what a browser tab asks of the server
when it opens a page, without the browser (a Chromium per student is too heavy for 200 students
on 2 cores).

One visit: GET /_stcore/health (its reply sets the XSRF cookie, as the frontend's first request
does) and /_stcore/host-config, open the websocket at /_stcore/stream with the subprotocols
["streamlit", <xsrf token>] and the page's Origin, send a BackMsg `rerun_script` whose ClientState
is what the frontend sends on a first load (the query string, an empty page_script_hash, the
page's url path as page_name, the browser's context), then read ForwardMsgs until the full run's
`script_finished`; meanwhile fetch every image URL (GET /media/...) the deltas name, once each,
as a browser's <img> tags would. Streamlit 1.67 caches forward messages in the browser, not on
the server: a first visit sends no cached_message_hashes and gets every message in full.

With `static` (python -m bench --only hall --hall-static) a session first fetches what a real
Chromium fetched for its page with an empty cache (the document, the frontend's JavaScript, CSS
and fonts, compressed as Chromium asks; bench/hall_browser.record_static lists them); without
it, none of that (a browser's cache holds them after its first page). It does not fire
`run_every` fragment timers (the page is settled at its full run's script_finished; the timers
a page sets are counted, not answered) or send heartbeats. Every wait is bounded; all traffic
goes to the address it is given (127.0.0.1 in the benchmark)."""

from __future__ import annotations

import asyncio
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

MEDIA_TIMEOUT = 30.0  # seconds for one image's GET
MAX_MEDIA = 200  # images fetched per visit at most
MAX_STATIC = 300  # static files fetched per visit at most
BROWSER_ENCODINGS = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium asks for
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


@dataclass
class Visit:
    """One session's first visit of one page, as the client saw it."""

    page: str
    seconds: float | None = None  # rerun request sent -> the full run's script_finished
    messages: int = 0
    bytes: int = 0
    media: int = 0  # images fetched
    media_bytes: int = 0
    static: int = 0  # static files fetched before the page (with --hall-static)
    static_bytes: int = 0  # as sent: gzip-compressed where the server compresses
    errors: list[str] = field(default_factory=list)  # exception deltas, a missing page
    later_messages: int = 0  # read after the page settled
    timers: int = 0  # auto_rerun messages: the page's run_every fragment timers (not fired)


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[bytes, list[str]]:
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=MEDIA_TIMEOUT) as response:
        return response.read(), response.headers.get_all("Set-Cookie") or []


def _xsrf_from(set_cookies: list[str]) -> str | None:
    for header in set_cookies:
        cookie = SimpleCookie()
        cookie.load(header)
        if "_streamlit_xsrf" in cookie:
            return cookie["_streamlit_xsrf"].value
    return None


def rerun_request(base: str, page: str, query: str = "") -> bytes:
    """The BackMsg a browser's first load of `base/page?query` sends."""
    message = BackMsg()
    state = message.rerun_script
    state.query_string = query
    state.page_script_hash = ""
    state.page_name = page
    context = state.context_info
    context.timezone = "Europe/Berlin"
    context.timezone_offset = -60
    context.locale = "en-US"
    context.url = f"{base}/{page}" + (f"?{query}" if query else "")
    context.is_embedded = False
    context.color_scheme = "light"
    return message.SerializeToString()


def media_urls(message: ForwardMsg) -> list[str]:
    """The image URLs a delta names (st.image's ImageList), as its <img> tags would load them."""
    if message.WhichOneof("type") != "delta":
        return []
    element = message.delta.new_element
    if element.WhichOneof("type") != "imgs":
        return []
    return [image.url for image in element.imgs.imgs if image.url.startswith("/media/")]


def exception_text(message: ForwardMsg) -> str | None:
    if message.WhichOneof("type") == "page_not_found":
        return f"page not found: {message.page_not_found.page_name!r}"
    if message.WhichOneof("type") != "delta":
        return None
    element = message.delta.new_element
    if element.WhichOneof("type") != "exception":
        return None
    return f"{element.exception.type}: {element.exception.message}"[:300]


class Session:
    """One visitor's connection to the server; `open` visits a page, `close` leaves."""

    def __init__(self, base: str, static: tuple[str, ...] = ()) -> None:
        self.base = base  # http://127.0.0.1:PORT
        self.static = static[:MAX_STATIC]  # paths a browser fetched for the page, fetched first
        self.socket: ClientConnection | None = None
        self.visit: Visit | None = None
        self._drain: asyncio.Task | None = None
        self._media: list[asyncio.Task] = []

    async def open(self, page: str, timeout: float = 120.0, query: str = "") -> Visit:
        """Open `page` (its url path, "" for the home page) in a new session and wait until
        its full run has finished, at most `timeout` seconds (visit.seconds stays None)."""
        self.visit = visit = Visit(page)
        await self._fetch_static(visit)
        headers = {"Origin": self.base}
        _, cookies = await asyncio.to_thread(_get, f"{self.base}/_stcore/health")
        await asyncio.to_thread(_get, f"{self.base}/_stcore/host-config")
        xsrf = _xsrf_from(cookies)
        if xsrf:
            headers["Cookie"] = f"_streamlit_xsrf={xsrf}"
        self.socket = await connect(
            self.base.replace("http://", "ws://") + "/_stcore/stream",
            subprotocols=["streamlit", xsrf or "PLACEHOLDER_AUTH_TOKEN"],
            additional_headers=headers,
            max_size=None,
            open_timeout=timeout,
        )
        started = time.perf_counter()
        await self.socket.send(rerun_request(self.base, page, query))
        try:
            await asyncio.wait_for(self._until_finished(visit), timeout)
            visit.seconds = time.perf_counter() - started
        except TimeoutError:
            visit.errors.append(f"not settled within {timeout:.0f} s")
        self._drain = asyncio.create_task(self._read_later(visit))
        if self._media:
            await asyncio.wait(self._media, timeout=MEDIA_TIMEOUT)
        return visit

    async def _fetch_static(self, visit: Visit) -> None:
        """The page's document and the frontend's files, as a browser with an empty cache
        fetches them (compressed where the server compresses); a failure is an error."""

        async def one(path: str) -> None:
            try:
                body, _ = await asyncio.to_thread(_get, self.base + path, BROWSER_ENCODINGS)
                visit.static += 1
                visit.static_bytes += len(body)
            except OSError as error:
                visit.errors.append(f"GET {path}: {error}")

        await asyncio.gather(*(one(path) for path in self.static))

    async def _until_finished(self, visit: Visit) -> None:
        async for data in self.socket:
            message = ForwardMsg.FromString(data)
            visit.messages += 1
            visit.timers += message.WhichOneof("type") == "auto_rerun"
            visit.bytes += len(data)
            error = exception_text(message)
            if error:
                visit.errors.append(error)
            for url in media_urls(message)[: max(0, MAX_MEDIA - len(self._media))]:
                self._media.append(asyncio.create_task(self._fetch(url, visit)))
            if (
                message.WhichOneof("type") == "script_finished"
                and message.script_finished in FINISHED
            ):
                return

    async def _fetch(self, url: str, visit: Visit) -> None:
        try:
            body, _ = await asyncio.to_thread(_get, self.base + url)
            visit.media += 1
            visit.media_bytes += len(body)
        except OSError as error:
            visit.errors.append(f"GET {url}: {error}")

    async def _read_later(self, visit: Visit) -> None:
        """Keep reading, as an open tab does, so the server never waits on this socket."""
        try:
            async for data in self.socket:
                visit.later_messages += 1
                visit.timers += ForwardMsg.FromString(data).WhichOneof("type") == "auto_rerun"
        except Exception:  # closed under us: the visit is over
            pass

    async def close(self) -> None:
        if self._drain:
            self._drain.cancel()
        if self.socket:
            await asyncio.wait_for(self.socket.close(), 10)


async def open_many(
    base: str,
    pages: list[str],
    timeout: float = 120.0,
    ramp: float = 0.0,
    static: dict[str, tuple[str, ...]] | None = None,
) -> tuple[list[Session], list[Visit]]:
    """Open one session per entry of `pages`, all at once (or the i-th `ramp` * i / N seconds
    after the first), each fetching first its page's `static` paths; returns the sessions
    (still connected) and their visits. A session that failed to connect has a visit with the
    error."""
    sessions = [Session(base, (static or {}).get(page, ())) for page in pages]

    async def arrive(index: int) -> Visit:
        await asyncio.sleep(ramp * index / len(pages))
        return await sessions[index].open(pages[index], timeout)

    results = await asyncio.gather(*(arrive(i) for i in range(len(pages))), return_exceptions=True)
    visits = []
    for page, result in zip(pages, results, strict=True):
        if isinstance(result, BaseException):
            visits.append(Visit(page, errors=[f"connect: {type(result).__name__}: {result}"]))
        else:
            visits.append(result)
    return sessions, visits


async def close_all(sessions: list[Session]) -> None:
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
