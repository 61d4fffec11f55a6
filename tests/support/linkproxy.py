"""A loopback TCP proxy that behaves like the kecamatan's slow, flaky link to the center.

Two families of behaviour, usable together:

* the link model: bandwidth each way, added round-trip latency and random
  connection resets, all seeded so a run can be repeated;
* fault injection per HTTP request: a list, a callable or a FaultPlan says which
  request gets which fault (drop_mid_body, respond_5xx, stall, duplicate,
  reset_after_commit).

Without a fault schedule the proxy relays raw TCP (keep-alive works). With one,
it reads each request itself and forces ``Connection: close`` so that every
connection carries exactly one request.

The proxy runs an asyncio loop in one background thread; it only ever listens
on 127.0.0.1 and only forwards to loopback targets. Standard library only.
"""

import asyncio
import ipaddress
import random
import socket
import struct
import threading
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus

FAULT_KINDS = ("drop_mid_body", "respond_5xx", "stall", "duplicate", "reset_after_commit")
# Not drawn by FaultPlan: a behaviour of some servers and proxies, asked for by name.
# reset_if_pipelined: the request is served, but when more was written behind it on the connection,
# the connection is reset before the answer goes back (a close with unread bytes is a reset, and
# the reset can overtake the answer).
NAMED_ONLY_KINDS = ("reset_if_pipelined",)

# A rural link as seen from a kecamatan office: for benchmarks, `LinkProxy(target, **RURAL_LINK)`.
RURAL_LINK = {"bandwidth_bps": 256_000, "rtt_ms": 400, "failure_rate": 0.05}

MAX_HEAD_BYTES = 64 * 1024
READ_SIZE = 64 * 1024
PACING_SLACK = 0.01  # seconds


class LinkReset(Exception):
    """The link model decided that this connection dies now."""


# --- Faults ------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One fault to inject into one request; parameters only matter for some kinds."""

    kind: str
    fraction: float = 0.5  # drop_mid_body: share of the body forwarded before the drop
    seconds: float = 5.0  # stall: how long to hold the request before closing
    status: int = 503  # respond_5xx: the status answered

    def __post_init__(self):
        if self.kind not in FAULT_KINDS + NAMED_ONLY_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {FAULT_KINDS + NAMED_ONLY_KINDS}")


@dataclass
class Request:
    """What a fault schedule sees of a request before deciding."""

    index: int  # 0 for the first request through this proxy
    method: str
    target: str
    headers: list  # [(name, value), ...] as received
    content_length: int | None  # None without a Content-Length header (chunked, or no body)


class FaultPlan:
    """Injects a random fault into a fraction `rate` of requests, picking among `kinds`."""

    def __init__(self, rate, kinds=FAULT_KINDS, seed=0, **fault_params):
        self.rate = rate
        self.faults = [Fault(kind, **fault_params) for kind in kinds]
        self.rng = random.Random(seed)
        self.requests_seen = 0
        self.injected = Counter()

    def __call__(self, request):
        self.requests_seen += 1
        if self.rng.random() >= self.rate:
            return None
        fault = self.rng.choice(self.faults)
        self.injected[fault.kind] += 1
        return fault


def _schedule_from(faults):
    """Turn a list of faults (or None per request) into a callable schedule."""
    if faults is None or callable(faults):
        return faults
    plan = list(faults)
    return lambda request: plan[request.index] if request.index < len(plan) else None


def _as_fault(value):
    if value is None or isinstance(value, Fault):
        return value
    return Fault(value)


# --- Link model ----------------------------------------------------------------


class _Direction:
    """One direction of the link: a shared bottleneck of `bps`, then a fixed delay."""

    def __init__(self, bps, delay):
        self.bps = bps
        self.delay = delay
        self.chunk = 64 * 1024 if not bps else max(512, min(64 * 1024, bps // 800))
        self._free_at = 0.0

    async def transmit(self, nbytes):
        """Wait until `nbytes` have crossed the bottleneck; return when they arrive."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        done = now
        if self.bps:
            # Connections share the link: each chunk queues behind the ones before it.
            # A few ms of slack keeps late wake-ups of the loop from adding up.
            start = max(now - PACING_SLACK, self._free_at)
            done = start + nbytes * 8 / self.bps
            self._free_at = done
            if done > now:
                await asyncio.sleep(done - now)
        return done + self.delay


class _Channel:
    """Carries bytes one way over a _Direction into a writer, keeping latency pipelined."""

    def __init__(self, conn, direction, writer, counter):
        self.conn = conn
        self.direction = direction
        self.writer = writer
        self.counter = counter  # name of the proxy attribute that counts these bytes
        self.queue = asyncio.Queue(maxsize=256)
        self.task = asyncio.create_task(self._deliver())

    async def send(self, data):
        for start in range(0, len(data), self.direction.chunk):
            chunk = data[start : start + self.direction.chunk]
            chunk = self.conn.spend(chunk)
            arrival = await self.direction.transmit(len(chunk))
            await self.queue.put((arrival, chunk))
            proxy = self.conn.proxy
            setattr(proxy, self.counter, getattr(proxy, self.counter) + len(chunk))
            if self.conn.exhausted():
                await self.flush()
                raise LinkReset()

    async def flush(self):
        """Wait until everything sent so far has been written out."""
        await self.queue.join()

    async def _deliver(self):
        loop = asyncio.get_running_loop()
        while True:
            arrival, chunk = await self.queue.get()
            try:
                await asyncio.sleep(max(0.0, arrival - loop.time()))
                self.writer.write(chunk)
                await self.writer.drain()
            except OSError:
                pass  # the peer went away; the reading side will notice
            finally:
                self.queue.task_done()

    def cancel(self):
        self.task.cancel()


class _Connection:
    """Per-connection state: its sockets, its channels, and the byte budget after
    which the link model resets it."""

    def __init__(self, proxy, budget):
        self.proxy = proxy
        self.budget = budget  # None: this connection never fails
        self.sent = 0
        self.channels = []
        self.writers = []

    def track(self, writer):
        self.writers.append(writer)
        return writer

    def spend(self, chunk):
        """Cut `chunk` to what is left of the budget."""
        if self.budget is not None:
            chunk = chunk[: max(0, self.budget - self.sent)]
        self.sent += len(chunk)
        return chunk

    def exhausted(self):
        return self.budget is not None and self.sent >= self.budget

    def channel(self, direction, writer, counter):
        ch = _Channel(self, direction, writer, counter)
        self.channels.append(ch)
        return ch

    def reset(self):
        for writer in self.writers:
            _reset(writer)

    def abort(self):
        for ch in self.channels:
            ch.cancel()
        for writer in self.writers:
            writer.transport.abort()

    async def close(self):
        for ch in self.channels:
            ch.cancel()
        await asyncio.gather(*(_close_writer(w) for w in self.writers))


def _reset(writer):
    """Close with a TCP RST, as a broken link looks to the peer."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


async def _close_writer(writer):
    """Close and wait until the socket is really closed (before the loop may stop)."""
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    except (TimeoutError, OSError):
        writer.transport.abort()  # a peer that does not read: no reason to wait for it


def _check_loopback(host):
    """The proxy may only reach this machine."""
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if not all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        raise ValueError(f"LinkProxy only forwards to loopback addresses, not {host!r}")


# --- HTTP (just enough to act per request) ------------------------------------------


@dataclass
class _Exchange:
    """One HTTP request on its way through the proxy."""

    conn: _Connection
    fault: Fault | None
    reader: asyncio.StreamReader  # from the client
    client: asyncio.StreamWriter
    head: bytes  # the request head as it is forwarded (with Connection: close)
    headers: list
    down: _Channel  # the link towards the client


class _BadRequest(Exception):
    pass


async def _read_head(reader):
    """Read a request or response head: start line and headers, up to the blank line."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise _BadRequest("head too large") from exc
    lines = raw[:-4].decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise _BadRequest(f"bad header line {line!r}")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


def _header(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _encode_head(start_line, headers):
    lines = [start_line] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_body(reader, headers):
    """Yield the raw body bytes of a request as they arrive (Content-Length or chunked)."""
    if (_header(headers, "transfer-encoding") or "").lower() == "chunked":
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            yield size_line
            if size == 0:
                yield await _read_trailers(reader)
                return
            yield await reader.readexactly(size + 2)
    remaining = int(_header(headers, "content-length") or 0)
    while remaining > 0:
        data = await reader.read(min(READ_SIZE, remaining))
        if not data:
            raise asyncio.IncompleteReadError(b"", remaining)
        remaining -= len(data)
        yield data


async def _read_trailers(reader):
    """Read the trailer section after the last chunk, up to and including the blank line."""
    trailer = b""
    while True:
        line = await reader.readuntil(b"\r\n")
        trailer += line
        if line == b"\r\n":
            return trailer


# --- The proxy -----------------------------------------------------------------


class LinkProxy:
    """Loopback proxy in front of `target` that models a slow link and injects faults.

    bandwidth_bps: bits per second each way (an int), or (up, down); None = unlimited.
    rtt_ms:        added round-trip time, half of it in each direction.
    failure_rate:  share of connections that the link resets, after a random number
                   of bytes in [0, failure_window) have crossed it (0 = at once). In
                   HTTP mode such a connection always fails: if its exchange is shorter
                   than that, it is reset after the server replied (after the commit).
                   A raw TCP connection that ends before its budget is spent survives.
    faults:        None for a raw TCP relay; otherwise the proxy speaks HTTP and asks
                   the schedule for each request: a list (item i for request i, None
                   or a kind or a Fault), or a callable(Request) -> kind | Fault | None,
                   such as a FaultPlan.
    seed:          seeds the link model's random choices.
    """

    def __init__(
        self,
        target,
        *,
        bandwidth_bps=None,
        rtt_ms=0,
        failure_rate=0.0,
        failure_window=64 * 1024,
        faults=None,
        seed=0,
        handshake_rtt=True,
    ):
        host, port = target
        _check_loopback(host)
        self.target = (host, port)
        up_bps, down_bps = (
            bandwidth_bps if isinstance(bandwidth_bps, tuple) else (bandwidth_bps, bandwidth_bps)
        )
        self._up = _Direction(up_bps, rtt_ms / 2000)
        self._down = _Direction(down_bps, rtt_ms / 2000)
        self.rtt = rtt_ms / 1000
        self.handshake_rtt = handshake_rtt
        self.failure_rate = failure_rate
        self.failure_window = failure_window
        self.schedule = _schedule_from(faults)
        self.http = faults is not None
        self.rng = random.Random(seed)
        self.link_up = True  # set to False to refuse (reset) every new connection

        self.bytes_up = 0  # client -> server, bytes forwarded
        self.bytes_down = 0  # server -> client, bytes forwarded
        self.connections = 0
        self.resets = 0  # connections reset by the link model (failure_rate, link_up)
        self.requests = 0  # HTTP mode: requests read from clients
        self.faults = Counter()  # HTTP mode: faults injected, by kind

        self._loop = None
        self._thread = None
        self._server = None
        self._tasks = set()
        self._conns = set()
        self._closing = False
        self.port = None

    # -- life cycle --

    @property
    def address(self):
        return ("127.0.0.1", self.port)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def active_connections(self):
        return len(self._tasks)

    def start(self):
        started = threading.Event()
        failure = []

        def run():
            self._loop = asyncio.new_event_loop()
            try:
                self._server = self._loop.run_until_complete(
                    asyncio.start_server(self._accept, "127.0.0.1", 0, limit=MAX_HEAD_BYTES)
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except Exception as exc:  # reported to the caller of start()
                failure.append(exc)
                started.set()
                return
            started.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._shutdown())
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="LinkProxy", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def close(self):
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("LinkProxy thread did not stop")
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    async def _shutdown(self):
        self._server.close()
        self._closing = True
        # Connections accepted just before the server closed may still start tasks.
        while self._tasks:
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        # A handler cancelled inside its own cleanup may leave sockets open: abort
        # them, and let their connection_lost callbacks run before the loop closes.
        for conn in self._conns:
            conn.abort()
        await self._server.wait_closed()
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    # -- connections --

    def _accept(self, client_reader, client_writer):
        if self._closing:
            client_writer.transport.abort()
            return
        # Our own task rather than start_server's: Python 3.11 logs an error when
        # one of those is cancelled, which is how close() ends open connections.
        task = asyncio.create_task(self._handle(client_reader, client_writer))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, client_reader, client_writer):
        self.connections += 1
        conn = _Connection(self, self._draw_budget())
        conn.track(client_writer)
        self._conns.add(conn)
        try:
            if not self.link_up or conn.budget == 0:
                raise LinkReset()
            if self.handshake_rtt and self.rtt:
                await asyncio.sleep(self.rtt)  # the TCP handshake crosses the link too
            if self.http:
                await self._serve_http(conn, client_reader, client_writer)
            else:
                await self._relay_tcp(conn, client_reader, client_writer)
        except LinkReset:
            self.resets += 1
            conn.reset()
        except (OSError, asyncio.IncompleteReadError, _BadRequest, ValueError):
            conn.reset()  # a broken peer or request: give up on the whole connection
        finally:
            await conn.close()
            self._conns.discard(conn)

    def _draw_budget(self):
        """Decide now, in accept order, whether and when this connection will fail."""
        if self.failure_rate and self.rng.random() < self.failure_rate:
            return self.rng.randrange(self.failure_window)
        return None

    async def _open_upstream(self, conn):
        reader, writer = await asyncio.open_connection(*self.target, limit=MAX_HEAD_BYTES)
        return reader, conn.track(writer)

    # -- raw TCP relay --

    async def _relay_tcp(self, conn, client_reader, client_writer):
        upstream_reader, upstream_writer = await self._open_upstream(conn)
        up = conn.channel(self._up, upstream_writer, "bytes_up")
        down = conn.channel(self._down, client_writer, "bytes_down")
        pumps = [
            asyncio.create_task(self._pump(client_reader, up, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, down, client_writer)),
        ]
        try:
            await asyncio.gather(*pumps)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

    async def _pump(self, reader, channel, writer):
        while data := await reader.read(READ_SIZE):
            await channel.send(data)
        await channel.flush()
        if writer.can_write_eof():
            writer.write_eof()  # pass the half-close on

    # -- HTTP, one request per connection --

    async def _serve_http(self, conn, client_reader, client_writer):
        try:
            start_line, headers = await _read_head(client_reader)
        except asyncio.IncompleteReadError:
            return  # the client connected and left without a request
        method, target, _ = (start_line.split(" ", 2) + ["", ""])[:3]
        length = _header(headers, "content-length")
        request = Request(
            index=self.requests,
            method=method,
            target=target,
            headers=headers,
            content_length=int(length) if length is not None else None,
        )
        self.requests += 1
        fault = _as_fault(self.schedule(request))
        if fault is not None:
            self.faults[fault.kind] += 1

        if (_header(headers, "expect") or "").lower() == "100-continue":
            client_writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        headers = [(k, v) for k, v in headers if k.lower() not in ("connection", "expect")]
        head = _encode_head(start_line, headers + [("Connection", "close")])
        down = conn.channel(self._down, client_writer, "bytes_down")
        exchange = _Exchange(conn, fault, client_reader, client_writer, head, headers, down)
        handler = getattr(self, f"_http_{fault.kind}" if fault else "_http_pass")
        await handler(exchange)

    async def _http_pass(self, ex):
        upstream_reader, upstream_writer = await self._open_upstream(ex.conn)
        up = ex.conn.channel(self._up, upstream_writer, "bytes_up")
        await up.send(ex.head)
        async for piece in _read_body(ex.reader, ex.headers):
            await up.send(piece)
        # The server is local and closes after its reply (Connection: close): read it
        # whole, so that where the link model cuts it depends on byte counts only.
        reply = await upstream_reader.read()
        budget = ex.conn.budget
        if budget is not None and budget - ex.conn.sent >= len(reply):
            raise LinkReset()  # condemned, and the budget outlasts the exchange: fail after the commit
        await ex.down.send(reply)
        await ex.down.flush()

    async def _forward_and_read_reply(self, ex, body):
        """Send the whole request upstream and return the server's whole reply."""
        upstream_reader, upstream_writer = await self._open_upstream(ex.conn)
        up = ex.conn.channel(self._up, upstream_writer, "bytes_up")
        await up.send(ex.head + body)
        reply = await upstream_reader.read()  # until the server closes
        upstream_writer.close()
        return reply

    async def _read_whole_body(self, ex):
        return b"".join([piece async for piece in _read_body(ex.reader, ex.headers)])

    async def _http_drop_mid_body(self, ex):
        _, upstream_writer = await self._open_upstream(ex.conn)
        up = ex.conn.channel(self._up, upstream_writer, "bytes_up")
        length = _header(ex.headers, "content-length")
        chunked = length is None and _header(ex.headers, "transfer-encoding") is not None
        if not chunked and not int(length or 0):
            await up.send(ex.head[: len(ex.head) // 2])  # no body: cut the request head instead
        else:
            await up.send(ex.head)
            # Chunked bodies have no known length: cut inside the first piece.
            cut = None if chunked else int(int(length) * ex.fault.fraction)
            await self._forward_body_until(ex, up, cut)
        await up.flush()
        upstream_writer.close()  # the server sees the request end early
        _reset(ex.client)  # the client sees the connection break

    async def _forward_body_until(self, ex, up, cut):
        """Forward the request body up to byte `cut` (None: half of the first piece)."""
        forwarded = 0
        async for piece in _read_body(ex.reader, ex.headers):
            limit = len(piece) // 2 if cut is None else cut - forwarded
            await up.send(piece[:limit])
            forwarded += min(limit, len(piece))
            if cut is None or forwarded >= cut:
                return

    async def _http_reset_if_pipelined(self, ex):
        body = await self._read_whole_body(ex)
        reply = await self._forward_and_read_reply(ex, body)
        try:  # by the time the center has answered, anything written behind the request is here
            pipelined = await asyncio.wait_for(ex.reader.read(1), 0.05)
        except asyncio.TimeoutError:
            pipelined = b""
        if pipelined:
            _reset(ex.client)
            return
        await ex.down.send(reply)
        await ex.down.flush()

    async def _http_respond_5xx(self, ex):
        await self._read_whole_body(ex)  # so that closing afterwards sends no RST
        body = b"fault injected by LinkProxy\n"
        status = HTTPStatus(ex.fault.status)
        reply = _encode_head(
            f"HTTP/1.1 {status.value} {status.phrase}",
            [("Content-Type", "text/plain"), ("Content-Length", str(len(body))), ("Connection", "close")],
        )
        await ex.down.send(reply + body)
        await ex.down.flush()

    async def _http_stall(self, ex):
        # Nothing is forwarded or read; the unread request makes the close a reset.
        await asyncio.sleep(ex.fault.seconds)
        _reset(ex.client)

    async def _http_duplicate(self, ex):
        body = await self._read_whole_body(ex)
        first = await self._forward_and_read_reply(ex, body)
        await self._forward_and_read_reply(ex, body)
        await ex.down.send(first)
        await ex.down.flush()

    async def _http_reset_after_commit(self, ex):
        body = await self._read_whole_body(ex)
        await self._forward_and_read_reply(ex, body)
        _reset(ex.client)  # the server committed; the client never hears of it
