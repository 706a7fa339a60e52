"""The switches beside the data line of an emulated bench (``harness emulate --switches HOST:PORT``):
a small network power switch the way a lab has one, spoken over HTTP in labgrid's ``simplerest``
shape (``NetworkPowerPort: {model: simplerest, host: "http://HOST:PORT/relay/{index}/{value}"}``
with labgrid's ``NetworkPowerDriver``):

* ``GET /relay/<index>/<0|1>`` switches outlet ``index`` off / on (answers ``ok``);
* ``GET /relay/<index>`` answers ``1`` (on) or ``0`` (off);
* ``GET /`` lists the outlets (one ``index name state`` line each).

Outlets: 1 = the ESME's supply, 2 = the GSME's supply (off: the meter answers nothing, pushes
nothing; on again: it boots, volatile state lost), 3 = the HAN relay of the GSME's RF-shield box
(off: the GSME-GPF link is cut, pushes are lost and commands to the GSME go unanswered). This is
not a control channel: it can only do what a PDU and a shield box do to real devices (no clock,
no state, no pushes on demand)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: The outlets of the emulated bench's switch: index -> (name, what it switches).
OUTLETS: dict[int, tuple[str, str]] = {1: ("ESME", "supply"), 2: ("GSME", "supply"), 3: ("HAN", "shield")}
PREFIX = "SWITCHES "


@dataclass
class Outlet:
    index: int
    name: str
    kind: str  # supply | shield

    def switch(self, host: Any, on: bool) -> None:
        """Switch this outlet of ``host`` (an EmulatorHost, or the wall-clock host around one) as
        the real switch would; on wall-clock time, the wakes that fell due happen first."""
        sync = getattr(host, "sync", None)
        if callable(sync):
            sync()
        with host._lock:
            if self.kind == "shield":
                if host.gsme is None:
                    raise KeyError("no GSME on this bench: the shield outlet switches nothing")
                host.gsme.han_outage = not on
                return
            host.device(self.name).model.supply(on)

    def state(self, host: Any) -> bool:
        with host._lock:
            if self.kind == "shield":
                return host.gsme is not None and not host.gsme.han_outage
            model = host.device(self.name).model
            return bool(getattr(model, "powered", True))


def outlets_of(host: Any) -> dict[int, Outlet]:
    """The outlets that have a load on this bench (a device that is there)."""
    roles = {d.cfg.role for d in host.devices.values()}
    out = {}
    for index, (name, kind) in OUTLETS.items():
        if (name if kind == "supply" else "GSME") in roles:
            out[index] = Outlet(index, name, kind)
    return out


def serve_switches(host: Any, address: str, port: int, stop: threading.Event,
                   ready: Callable[[str], None]) -> ThreadingHTTPServer:
    """Serve the switch endpoint of ``host`` on ``address:port`` (0 = any) in a daemon thread until
    ``stop`` is set; ``ready`` gets the simplerest URL template once it listens."""
    outlets = outlets_of(host)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = [p for p in self.path.split("/") if p]
            try:
                if not parts:
                    body = "".join(f"{o.index} {o.name} {int(o.state(host))}\n" for o in outlets.values())
                elif parts[0] == "relay" and len(parts) in (2, 3) and parts[1].isdigit():
                    outlet = outlets.get(int(parts[1]))
                    if outlet is None:
                        self.send_error(404, f"no outlet {parts[1]} (outlets: {sorted(outlets)})")
                        return
                    if len(parts) == 3:
                        if parts[2] not in ("0", "1"):
                            self.send_error(400, "value is 0 or 1")
                            return
                        outlet.switch(host, parts[2] == "1")
                        body = "ok"
                    else:
                        body = str(int(outlet.state(host)))
                else:
                    self.send_error(404)
                    return
            except (KeyError, ValueError) as exc:
                self.send_error(500, f"{type(exc).__name__}: {exc}")
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, port), Handler)
    server.daemon_threads = True
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])

    def shut_down() -> None:
        stop.wait()
        server.shutdown()
        server.server_close()

    threading.Thread(target=server.serve_forever, name="switches", daemon=True).start()
    threading.Thread(target=shut_down, name="switches-stop", daemon=True).start()
    ready(f"http://{bound_host}:{bound_port}/relay/{{index}}/{{value}}")
    return server
