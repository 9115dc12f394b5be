"""The sandbox server: one stdlib HTTP server on 127.0.0.1 standing in for every service (docs/sandbox.md).

    with Sandbox(seed=0, faults="5xx:0.2") as sandbox:
        os.environ.update(sandbox.env())        # INSARPROJ_*_URL and EARTHDATA_TOKEN
        ...                                     # run clients against it
        sandbox.requests()                      # what they asked, what they got

Service modules register their routes on `sandbox.router` (see routing.py for the request/response
objects and the three hostnames). Where each endpoint lives:

    INSARPROJ_CMR_URL     http://127.0.0.1:PORT           /search/granules.umm_json
    INSARPROJ_URS_URL     http://localhost:PORT           /oauth/authorize, /oauth/tokens/user, …
    INSARPROJ_HYP3_URL    http://127.0.0.1:PORT           /jobs, /user, /costs (HyP3 module)
    INSARPROJ_ORBITS_URL  http://127.0.0.1:PORT/s1-orbits /?prefix=AUX_POEORB, /AUX_POEORB/<name>.EOF
    INSARPROJ_CDSE_URL    http://127.0.0.1:PORT/cdse      /odata/v1/Products (cdse.py)
    INSARPROJ_CDSE_IDENTITY_URL http://127.0.0.1:PORT/cdse-identity  /auth/realms/CDSE/… (cdse_auth.py)
    INSARPROJ_CDSE_DOWNLOAD_URL http://localhost:PORT   /odata/v1/Products(<Id>)/$value (cdse_download.py)
    INSARPROJ_DEM_URL     http://127.0.0.1:PORT/copernicus-dem-30m   /<tile>/<tile>.tif
    INSARPROJ_DEM90_URL   http://127.0.0.1:PORT/copernicus-dem-90m   /<tile>/<tile>.tif
    INSARPROJ_GEOID_URL   http://127.0.0.1:PORT/geoid/us_nga_egm2008_1_4326__agisoft.tif

Test hooks (never faulted, never logged): `GET /_sandbox/log` (JSON list of logged requests),
`POST /_sandbox/log/clear`, `GET|POST /_sandbox/faults` (read / replace the fault plan; the POST
body is a spec as in faults.py); the HyP3 hooks under `/_sandbox/hyp3/` (see hyp3.py); the orbit
bucket's clock and delay under `/_sandbox/orbits/` (see orbit_bucket.py).

A handler that returns a Response with status 0 gets no answer at all: the server closes the
connection without writing a byte (a gateway that timed out, seen from the client).
"""

from __future__ import annotations

import contextlib
import logging
import shlex
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterable
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from insarproj.sandbox import auth, cmr, dem_tiles, downloads, hyp3
from insarproj.sandbox.auth import Auth
from insarproj.sandbox.catalog import Catalog
from insarproj.sandbox.faults import FaultInjector, FaultPlan, FaultSpecError, fault_kinds
from insarproj.sandbox.requestlog import LoggedRequest, LogHandle, RequestLog
from insarproj.sandbox.routing import (
    DATA,
    LOGIN,
    HTTPError,
    Origins,
    Request,
    Response,
    Router,
    parse_query,
    role_of,
)

log = logging.getLogger(__name__)

ENDPOINTS: dict[str, tuple[str, str]] = {  # variable → (host role, path prefix)
    "INSARPROJ_CMR_URL": (DATA, ""),
    "INSARPROJ_URS_URL": (LOGIN, ""),
    "INSARPROJ_HYP3_URL": (DATA, ""),
    "INSARPROJ_ORBITS_URL": (DATA, "/s1-orbits"),
    "INSARPROJ_CDSE_URL": (DATA, "/cdse"),
    "INSARPROJ_CDSE_IDENTITY_URL": (DATA, "/cdse-identity"),
    "INSARPROJ_CDSE_DOWNLOAD_URL": (LOGIN, ""),
    "INSARPROJ_DEM_URL": (DATA, "/copernicus-dem-30m"),
    "INSARPROJ_DEM90_URL": (DATA, "/copernicus-dem-90m"),
    "INSARPROJ_GEOID_URL": (DATA, "/geoid/us_nga_egm2008_1_4326__agisoft.tif"),
}
ADMIN_PREFIX = "/_sandbox/"
SLOW_DELAY = 0.5  # s before the headers of a `slow` response
SLOW_PIECES = 8  # a slow body trickles out in this many pieces, 20 ms apart
MAX_BODY = 64 * 2**20
IDLE_TIMEOUT = 30  # s a keep-alive connection may sit idle
NO_ANSWER = hyp3.NO_ANSWER  # status of a Response that closes the connection unanswered


@lru_cache(maxsize=4)
def shared_catalog(seed: int) -> Catalog:
    """Catalogs are immutable once built, so sandboxes with the same seed share one."""
    return Catalog(seed)


def _unavailable(req: Request) -> Response:
    if req.path.startswith("/search/"):
        return Response.json({"errors": ["Service temporarily unavailable, please try again later."]}, 503)
    if req.path.startswith(("/SLC/", "/BURST/", "/_storage/", "/_hyp3products/")):
        return Response.html("<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>", 503)
    return Response.problem(503, "The service is currently unavailable. Please try again later.")


def _too_many(req: Request) -> Response:
    if req.path.startswith("/search/"):
        response = Response.json({"errors": ["Too many requests, please slow down."]}, 429)
    elif req.path.startswith(("/SLC/", "/BURST/", "/_storage/", "/_hyp3products/")):
        response = Response.html("<html><body><h1>429 Too Many Requests</h1></body></html>", 429)
    else:  # API gateways answer throttling with {"message": …} (hyp3_sdk trips over it)
        response = Response.json({"message": "Too Many Requests"}, 429)
    return response.header("Retry-After", "1")


class Sandbox:
    def __init__(
        self,
        *,
        port: int = 0,
        faults: str | FaultPlan | None = None,
        seed: int = 0,
        hyp3_speed: float = 1.0,
        state_dir: Path | None = None,
    ) -> None:
        self.seed = seed
        self.hyp3_speed = hyp3_speed  # how fast simulated remote work (HyP3 jobs) progresses
        self.state_dir = state_dir  # where stateful services may keep their state across restarts
        self.router = Router()
        self.origins = Origins()
        self.catalog = shared_catalog(seed)
        self.auth = Auth(seed)
        self._port = port
        self.request_log = RequestLog()
        self._faults = FaultInjector(FaultPlan(), seed)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._register_admin()
        from insarproj.sandbox import aria_routes

        self.aria = aria_routes.register(self.router, self.auth, self.origins)
        cmr.register(
            self.router, self.catalog, self.origins, aria_routes.gunw_search(self.aria, self.origins)
        )
        auth.register(self.router, self.auth, self.origins)
        downloads.register(self.router, self.catalog, self.auth, self.origins)
        dem_tiles.register(self.router)
        self.hyp3 = hyp3.register(
            self.router,
            catalog=self.catalog,
            auth=self.auth,
            origins=self.origins,
            fault_plan=lambda: self.faults,
            seed=seed,
            speed=hyp3_speed,
            state_dir=state_dir,
        )
        from insarproj.sandbox import cdse, cdse_auth, cdse_bursts, cdse_download

        self.cdse = cdse.CdseService(self.catalog)
        cdse.register(self.router, self.cdse, self.origins)
        cdse_auth.register(self.router, self.auth, self.cdse)
        cdse_download.register(self.router, self.auth, self.cdse)
        cdse_bursts.register(self.router, self.auth, self.cdse, self.origins)
        from insarproj.sandbox import orbit_bucket

        self.orbits = orbit_bucket.register(self.router, self.catalog, seed)
        self.cdse.orbit_files = self.orbits  # CDSE's catalogue serves the same orbit files
        self.set_faults(faults or FaultPlan())

    # -- public API ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The data host: http://127.0.0.1:PORT."""
        return self.origins.data

    @property
    def port(self) -> int:
        if self.origins.port is None:
            raise RuntimeError("The sandbox is not listening yet: call Sandbox.start() first.")
        return self.origins.port

    def env(self) -> dict[str, str]:
        """Every INSARPROJ_*_URL of docs/endpoints.md pointing here, and EARTHDATA_TOKEN."""
        urls = {name: self.origins.url(role) + prefix for name, (role, prefix) in ENDPOINTS.items()}
        return {**urls, "EARTHDATA_TOKEN": self.auth.token}

    def requests(self) -> list[LoggedRequest]:
        """Every request so far (not /_sandbox/*), oldest first: a thread-safe copy."""
        return self.request_log.snapshot()

    def clear_requests(self) -> None:
        self.request_log.clear()

    @property
    def faults(self) -> FaultPlan:
        return self._faults.plan

    def set_faults(self, spec: str | FaultPlan) -> None:
        """Replace the fault plan; counters and random streams start afresh."""
        plan = spec if isinstance(spec, FaultPlan) else FaultPlan.parse(spec)
        self._faults = FaultInjector(plan, self.seed)

    def hyp3_advance(self, seconds: float) -> None:
        """Move the HyP3 clock forward: jobs progress and expire as if that time had passed."""
        self.hyp3.advance(seconds)

    def hyp3_settings(self, **settings: Any) -> dict[str, Any]:
        """Change HyP3 settings (listing_lag, credits, credits_per_month, application_status,
        fail_rate, speed, post_stall); returns them all."""
        return self.hyp3.configure(**settings)

    def aria_settings(self, **settings: Any) -> dict[str, Any]:
        """ARIA long-term storage: `retrieval_delay` and `expiry` in seconds; `unlisted`: product names
        the search leaves out (published after a pinned search; sandbox/aria.py)."""
        return self.aria.settings(**settings)

    def orbit_settings(self, **settings: Any) -> dict[str, Any]:
        """Change the orbit bucket's settings (clock, precise_delay_days, max_keys, advance_days)."""
        return self.orbits.configure(settings)

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("This sandbox is already running; stop() it before starting it again.")
        server = _Server(("127.0.0.1", self._port), self)
        self.origins.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"insarproj-sandbox-{self.origins.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        self.hyp3.wake()  # a stalled POST /jobs must not hold up the join
        server.close_connections()
        if thread is not None:
            thread.join()
        self._server = self._thread = None

    def __enter__(self) -> Sandbox:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling (called by the handler threads) -----------------------------------
    def respond(self, req: Request) -> Response:
        admin = req.path.startswith(ADMIN_PREFIX)
        req.fault_check = None if admin else self._faults.fires
        try:
            handler, req.params = self.router.resolve(req.method, req.path, req.role)
            if req.fault("429"):
                return _too_many(req)
            if req.fault("5xx"):
                return _unavailable(req)
            return handler(req)
        except HTTPError as exc:
            return exc.response
        except Exception as exc:  # a sandbox bug must not kill the connection silently
            log.exception("sandbox handler failed on %s %s", req.method, req.path)
            return Response.problem(500, f"The sandbox failed on this request: {exc!r}")

    def _register_admin(self) -> None:
        def get_log(req: Request) -> Response:
            return Response.json([entry.to_json() for entry in self.requests()])

        def clear_log(req: Request) -> Response:
            count = len(self.requests())
            self.clear_requests()
            return Response.json({"cleared": count})

        def get_faults(req: Request) -> Response:
            kinds = {k.name: {"scope": list(k.scope), "help": k.help} for k in fault_kinds().values()}
            return Response.json({"faults": str(self.faults), "kinds": kinds})

        def post_faults(req: Request) -> Response:
            try:
                self.set_faults(req.body.decode("utf-8"))
            except (FaultSpecError, UnicodeDecodeError) as exc:
                return Response.problem(400, str(exc))
            return Response.json({"faults": str(self.faults)})

        from insarproj.sandbox import blobs

        blobs.register(self.router)
        self.router.add("GET", r"/_sandbox/log", get_log)
        self.router.add("POST", r"/_sandbox/log/clear", clear_log)
        self.router.add("GET", r"/_sandbox/faults", get_faults)
        self.router.add("POST", r"/_sandbox/faults", post_faults)

        def cdse_report(req: Request) -> Response:
            if req.method == "POST":
                try:
                    self.cdse.configure(**req.json())
                except (TypeError, ValueError) as exc:
                    return Response.problem(400, str(exc))
            return Response.json(self.cdse.report())

        self.router.add("GET", r"/_sandbox/cdse", cdse_report)
        self.router.add("POST", r"/_sandbox/cdse", cdse_report)


class _Server(ThreadingHTTPServer):
    """Handler threads are daemons (a forgotten sandbox never blocks interpreter exit) that the
    server tracks itself, so `stop()` can wake and join every one of them."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._open: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            daemon=True,
            name=f"insarproj-sandbox-{self.server_address[1]}-conn",
        )
        with self._lock:
            self._open.add(request)
            self._handlers.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._lock:
                self._open.discard(request)
                self._handlers.discard(threading.current_thread())

    def close_connections(self, timeout: float = 5.0) -> None:
        """Wake the handler threads waiting on keep-alive connections, then join them."""
        with self._lock:
            sockets, threads = list(self._open), list(self._handlers)
        for sock in sockets:
            with contextlib.suppress(OSError):  # already closed by its client
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("sandbox connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "insarproj-sandbox"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    server: _Server

    def do_GET(self) -> None:
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The `Date` header tells the server's clock, as the HyP3 stand-in keeps it (it may be
        # advanced or skewed): clients measure HyP3's eventual-consistency windows on it.
        when = self.server.sandbox.hyp3.clock.now() if timestamp is None else timestamp
        return super().date_time_string(when)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s - %s", self.address_string(), format % args)

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        self._arrived, self._started = time.time(), time.perf_counter()
        req, response = self._read_request()
        if response is None:
            response = sandbox.respond(req)
        if response.status == NO_ANSWER:
            self._close_unanswered(req, response)
            return
        self._send(req, response)

    def _close_unanswered(self, req: Request, response: Response) -> None:
        entry = self._log_start(req, response)
        if entry is not None:
            entry.finish(time.perf_counter() - self._started)
        self.close_connection = True

    def _log_start(self, req: Request, response: Response) -> LogHandle | None:
        if req.path.startswith(ADMIN_PREFIX):
            return None
        return self.server.sandbox.request_log.start(
            method=req.method,
            path=req.path,
            query=req.query,
            host=self.headers.get("Host", ""),
            status=response.status,
            fault=",".join(req.faults) or None,
            time=self._arrived,
            authorization=(req.header("authorization") or "").split(" ")[0] or None,
            notes=tuple(req.notes),
        )

    def _read_request(self) -> tuple[Request, Response | None]:
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        req = Request(method=self.command, path="/", query={}, headers=headers, client=self.client_address[0])
        try:
            target = urlsplit(self.path)
            host = self.headers.get("Host", "")
            req.hostname = (urlsplit(f"//{host}").hostname or "") if host else ""
        except ValueError:
            self.close_connection = True
            return req, Response.problem(400, "The request target or Host header is malformed.")
        req.path, req.query = unquote(target.path) or "/", parse_query(target.query)
        req.role = role_of(req.hostname)
        try:
            req.body = self._read_body()
        except HTTPError as exc:
            self.close_connection = True
            return req, exc.response
        return req, None

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                line = self.rfile.readline(1024).split(b";")[0].strip()
                try:
                    size = int(line, 16)
                except ValueError:
                    raise HTTPError(Response.problem(400, "Malformed chunked request body.")) from None
                total += size
                if total > MAX_BODY:
                    raise HTTPError(Response.problem(413, "The request body is too large."))
                if size == 0:
                    while self.rfile.readline(1024).strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
        text = self.headers.get("Content-Length")
        if text is None:
            return b""
        if not text.strip().isdigit():
            raise HTTPError(Response.problem(400, f"Content-Length {text!r} is not a byte count."))
        length = int(text)
        if length > MAX_BODY:
            raise HTTPError(Response.problem(413, "The request body is too large."))
        body = self.rfile.read(length)
        if len(body) != length:
            raise HTTPError(Response.problem(400, "The request body ended before its Content-Length."))
        return body

    def _send(self, req: Request, response: Response) -> None:
        """Write the response, applying the transport faults, and log it."""
        length = response.content_length()
        body_allowed = req.method != "HEAD" and response.status not in (204, 304) and response.status >= 200
        slow = req.fault("slow")
        cut: str | None = None
        budget: int | None = None  # body bytes to send before cutting the connection
        if body_allowed and length:  # drop/truncate only where there is a body to cut
            if req.fault("drop"):
                cut, budget = "drop", length // 3
            elif req.fault("truncate"):
                cut, budget = "truncate", max(1, length // 2)
        if slow:
            time.sleep(SLOW_DELAY)
        entry = self._log_start(req, response)
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            if length is not None:
                self.send_header("Content-Length", str(length))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if body_allowed:
                self._write_body(response, budget, slow, entry)
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            if cut == "drop":
                self._reset()
            elif cut == "truncate":
                self.close_connection = True
            if entry is not None:
                entry.finish(time.perf_counter() - self._started)

    def _write_body(
        self, response: Response, budget: int | None, slow: bool, entry: LogHandle | None
    ) -> None:
        chunks: Iterable[bytes] = [response.body] if isinstance(response.body, bytes) else response.body
        sent = 0
        for chunk in chunks:
            if budget is not None:
                chunk = chunk[: budget - sent]
            step = max(1, len(chunk) // SLOW_PIECES) if slow else max(1, len(chunk))
            for i in range(0, len(chunk), step):
                piece = chunk[i : i + step]
                if entry is not None:
                    entry.sending(len(piece))  # counted first: the client may read it at once
                try:
                    self.wfile.write(piece)
                except OSError:
                    if entry is not None:
                        entry.unsent(len(piece))
                    raise
                if slow:
                    time.sleep(0.02)
            sent += len(chunk)
            if budget is not None and sent >= budget:
                break

    def _reset(self) -> None:
        """Close abruptly: an RST instead of a FIN, as when a peer or proxy dies mid-transfer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def serve_forever(
    *,
    port: int,
    faults: str | None,
    seed: int,
    out: TextIO,
    hyp3_speed: float = 1.0,
    state_dir: Path | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), after printing `export NAME=value` lines."""
    stop = threading.Event()
    previous = None
    # Started before the SIGTERM handler is set, so a port that cannot be bound leaves no handler behind.
    sandbox = Sandbox(port=port, faults=faults, seed=seed, hyp3_speed=hyp3_speed, state_dir=state_dir).start()
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        for name, value in sandbox.env().items():
            out.write(f"export {name}={shlex.quote(value)}\n")
        out.flush()
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
