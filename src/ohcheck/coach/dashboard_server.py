"""`ohcheck coach dashboard --serve`: the page on 127.0.0.1, fresh as results arrive.

Routes: `/` is the page, `/version` a tiny JSON the page polls, `/report/<team>` a team's HTML report
(rendered when asked, coach_report.render_report) and `/guide/<challenge>` the challenge's coach guide in
the page's language (coach_guide_html.py): a cell's drill-down links. Every answer carries the CSP. The version is the store's files'
size and modification time (coach.db and its WAL: every attempt or sign-off written by `collect`,
`import` or `approve` changes one of them) plus the minute, so the "stuck" flags and times move on
even when nothing is written. The page is rendered again only when the version changed.

Only 127.0.0.1 listens, and a request naming another host is refused: a web page elsewhere cannot
reach the dashboard through a DNS name that resolves to 127.0.0.1 (DNS rebinding).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

from ohcheck.errors import UserError
from ohcheck.event.model import LoadedEvent
from ohcheck.i18n import framework, msg, t

HOST = "127.0.0.1"
# The page is all inline: it may talk back to this server and load nothing else.
_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def store_version(store_path: Path) -> str:
    """Changes whenever the store's files do (and every minute, for the clock-driven figures)."""
    parts = []
    for path in (store_path, store_path.with_name(store_path.name + "-wal")):
        try:
            stat = path.stat()
            parts.append(f"{stat.st_mtime_ns}.{stat.st_size}")
        except OSError:
            parts.append("-")
    parts.append(str(int(time.time() // 60)))
    return "-".join(parts)


class _Page:
    """The rendered page for one version; one render at a time however many tabs poll."""

    def __init__(self, loaded: LoadedEvent, store_path: Path, coach: str | None = None) -> None:
        self.loaded, self.store_path, self.coach = loaded, store_path, coach
        self._lock = threading.Lock()
        self._version: str | None = None
        self._html = self._gzipped = b""

    def current(self) -> tuple[str, bytes, bytes]:
        """(version, page, page gzipped): a big event's page is ~2 MB and the tab fetches it on every change."""
        from ohcheck.coach.dashboard import render_dashboard

        with self._lock:
            version = store_version(self.store_path)
            if version != self._version:
                html = render_dashboard(self.loaded, self.store_path, live=True, version=version,
                                        coach=self.coach).encode("utf-8")
                self._version, self._html, self._gzipped = version, html, gzip.compress(html, compresslevel=5)
            return self._version, self._html, self._gzipped


def _handler(page: _Page, hosts: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "ohcheck-dashboard"
        sys_version = ""

        def do_GET(self) -> None:  # the stdlib's name
            if self.headers.get("Host", "") not in hosts:
                self._send(HTTPStatus.FORBIDDEN, _line(t("This dashboard answers on 127.0.0.1 only.")))
                return
            route = self.path.split("?", 1)[0]
            try:
                if route in ("/", "/index.html"):
                    _, html, gzipped = page.current()
                    if "gzip" in self.headers.get("Accept-Encoding", ""):
                        self._send(HTTPStatus.OK, gzipped, "text/html; charset=utf-8", encoding="gzip")
                    else:
                        self._send(HTTPStatus.OK, html, "text/html; charset=utf-8")
                elif route == "/version":
                    version, _, _ = page.current()
                    self._send(HTTPStatus.OK, json.dumps({"version": version}).encode(), "application/json")
                elif route.startswith("/report/"):
                    self._report(unquote(route.removeprefix("/report/")))
                elif route.startswith("/guide/"):
                    self._guide(unquote(route.removeprefix("/guide/")))
                else:
                    self._send(HTTPStatus.NOT_FOUND, _line(t("Not found: the dashboard is at /")))
            except UserError as exc:  # the store became unreadable: say so, keep serving
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, _line(framework().say(exc.message)))

        def _report(self, name: str) -> None:
            from ohcheck.coach.report import render_report

            team = next((t for t in page.loaded.event.teams if t.name == name), None)
            if team is None:
                self._send(HTTPStatus.NOT_FOUND, _line(t("No team {team} in this event.", team=name)))
                return
            html = render_report(page.loaded, page.store_path, team.name, "html")
            self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

        def _guide(self, challenge: str) -> None:
            from ohcheck.coach.dashboard import guide_page

            html = guide_page(challenge, back="../", href=quote)
            if html is None:
                self._send(HTTPStatus.NOT_FOUND, _line(t("No coach guide for {challenge} in this hack pack.",
                                                         challenge=challenge)))
                return
            self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str = "text/plain; charset=utf-8",
                  encoding: str | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", _CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # the stdlib's signature
            pass  # a poll every two seconds per tab: not worth a line in the coach's terminal

    return Handler


def _line(text: str) -> bytes:
    """A one-line plain-text answer, in the coach's language."""
    return f"{text}\n".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # an open tab never keeps Ctrl-C from ending the command
    allow_reuse_address = True


def serve(loaded: LoadedEvent, store_path: Path, *, port: int, on_ready: Callable[[str], None],
          coach: str | None = None) -> None:
    """Serve until Ctrl-C; `on_ready(url)` once listening (port 0 picks a free one). `coach`: the page opens on
    that coach's teams."""
    page = _Page(loaded, store_path, coach)
    page.current()  # a broken store is one sentence now, not an error page later
    try:
        server = _Server((HOST, port), _handler(page, set()))
    except OSError as exc:
        raise UserError(msg("Cannot listen on {host}:{port}: {problem}.", host=HOST, port=port,
                            problem=exc.strerror or exc),
                        hint=msg("Pass --port with another port, or --port 0 for any free one.")) from None
    bound = server.server_address[1]
    server.RequestHandlerClass = _handler(page, {f"{HOST}:{bound}", f"localhost:{bound}"})
    from ohcheck.stop_signals import stopping_signals

    try:
        with stopping_signals():  # Ctrl-C stops it even where SIGINT was inherited as ignored
            on_ready(f"http://{HOST}:{bound}/")
            server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
