"""A simulated ESC/POS thermal ticket printer behind a real pty (and TCP port).

Every ticket (ended by a cut) is written to the output folder as
``ticket-0001.png`` (the paper, 1 dot = 1 pixel) and ``ticket-0001.txt`` (a
transcript). Status bytes follow the protocol document: DLE EOT n is answered at
once, GS r n in order. Faults are injected through the control API:

    fault(name="paper_out", after_bytes=200)   # runs out 200 bytes into the next job
    fault(name="late_reply", delay=1.0)        # status replies come a second late
    clear(name=None)                           # clear one fault, or all

Protocol: docs/protocols/ticket-printer.md.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from hardware_sim.base import SimDevice
from hardware_sim.printer.paper import Paper
from hardware_sim.printer.parser import EscPosParser

FAULTS = ("paper_near_end", "paper_out", "cover_open", "offline", "cutter_error", "no_reply", "late_reply")
STOPPING = ("paper_out", "cover_open", "offline", "cutter_error")  # the printer stops printing
IMAGES_KEPT = 20  # paper images kept in memory (older records keep their transcript; files stay)


class PrinterSim(SimDevice):
    name = "printer"

    def __init__(self, *, paper_mm: int = 80, out_dir: str | Path | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.paper_mm = paper_mm
        self.paper = Paper(576 if paper_mm == 80 else 384)
        self.out_dir = Path(out_dir) if out_dir else None
        if self.out_dir:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        self.parser = EscPosParser(self._event)
        self.faults: dict[str, dict[str, Any]] = {}
        self.pending: dict[str, int] = {}  # fault name -> bytes of print data before it strikes
        self.jobs: list[dict[str, Any]] = []
        self.job_count = 0
        self.unknown: list[str] = []
        self.dropped_bytes = 0
        self.status_queries = 0
        self.jobs_done = threading.Condition(self._lock)

    # -- bytes from the driver -----------------------------------------------
    def feed(self, data: bytes) -> None:
        while self.pending:  # a fault due inside this chunk strikes at its exact byte
            name, left = min(self.pending.items(), key=lambda kv: kv[1])
            if left > len(data):
                break
            self.parser.feed(data[:left])
            data = data[left:]
            self.pending = {k: v - left for k, v in self.pending.items() if k != name}
            self._strike(name)
        self.pending = {k: v - len(data) for k, v in self.pending.items()}
        self.parser.feed(data)

    def _event(self, kind: str, *args: Any) -> None:
        if kind == "realtime_status":
            self._reply(bytes([self.status_byte(args[0])]))
            return
        if kind == "sensor_status":
            self._reply(bytes([self.sensor_byte(args[0])]))
            return
        if kind == "unknown":
            self.unknown.append(f"{args[0][:8].hex(' ')}: {args[1]}")
            del self.unknown[:-100]
        if self.stopped:
            self.dropped_bytes += 1
            return
        if kind == "cut" and "cutter_error" in self.faults.get("_at_cut", {}):
            self.faults.pop("_at_cut")
            self._strike("cutter_error")
            return
        page = self.paper.handle(kind, *args)
        if page is not None:
            self._save(page)

    # -- status ----------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return any(name in self.faults for name in STOPPING)

    def status_byte(self, n: int) -> int:
        f = self.faults
        byte = 0x12
        if n == 1 and self.stopped:
            byte |= 0x08
        elif n == 2:
            byte |= (0x04 if "cover_open" in f else 0) | (0x20 if "paper_out" in f else 0)
            byte |= 0x40 if "cutter_error" in f else 0
        elif n == 3:
            byte |= 0x08 if "cutter_error" in f else 0
        elif n == 4:
            byte |= (0x60 if "paper_out" in f else 0) | (0x0C if "paper_near_end" in f else 0)
        return byte

    def sensor_byte(self, n: int) -> int:
        if n not in (1, 49):
            return 0x00
        return (0x0C if "paper_out" in self.faults else 0) | (0x03 if "paper_near_end" in self.faults else 0)

    def _reply(self, data: bytes) -> None:
        self.status_queries += 1
        if "no_reply" in self.faults:
            return
        late = self.faults.get("late_reply")
        if late:
            reply = self._reply_to or self._write_pty
            threading.Timer(float(late.get("delay", 1.0)), reply, args=(data,)).start()
            return
        self.send(data)

    # -- faults and output -------------------------------------------------------
    def _strike(self, name: str, **info: Any) -> None:
        self.faults[name] = info
        if name in STOPPING and not self.paper.blank:
            self._save(self.paper.finish(f"stopped: {name}"))

    def _save(self, page: dict[str, Any]) -> None:
        self.job_count += 1
        stem = f"ticket-{self.job_count:04d}"
        record = {"n": self.job_count, "end": page["end"], "transcript": page["transcript"],
                  "items": page["items"], "size": page["image"].size, "png": None, "txt": None,
                  "image": page["image"]}
        if self.out_dir:
            png, txt = self.out_dir / f"{stem}.png", self.out_dir / f"{stem}.txt"
            page["image"].save(png)
            txt.write_text("\n".join(page["transcript"]) + "\n", encoding="utf-8")
            record["png"], record["txt"] = str(png), str(txt)
        self.jobs.append(record)
        if len(self.jobs) > IMAGES_KEPT:
            self.jobs[-IMAGES_KEPT - 1]["image"] = None
        self.jobs_done.notify_all()

    def wait_for_jobs(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Block until ``count`` tickets have ended (cut or stop); returns all records."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self.job_count < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"printer simulator: {self.job_count} of {count} tickets after {timeout}s")
                self.jobs_done.wait(left)
            return list(self.jobs)

    def state(self) -> dict[str, Any]:
        return {"paper_mm": self.paper_mm, "out_dir": str(self.out_dir) if self.out_dir else None,
                "faults": sorted(k for k in self.faults if not k.startswith("_")),
                "pending": dict(self.pending), "tickets": self.job_count, "bytes": self.parser.bytes_seen,
                "dropped_events": self.dropped_bytes, "unknown_commands": self.unknown[-20:],
                "last_tickets": [{k: v for k, v in j.items() if k in ("n", "end", "png", "txt")}
                                 for j in self.jobs[-5:]]}

    # -- control API ---------------------------------------------------------------
    def control_fault(self, name: str, after_bytes: int = 0, delay: float = 1.0,
                      at_cut: bool = False) -> dict[str, Any]:
        """Inject ``name`` (one of FAULTS) now, after ``after_bytes`` more bytes, or at the next cut."""
        if name not in FAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
        if at_cut and name == "cutter_error":
            self.faults["_at_cut"] = {"cutter_error": True}
        elif after_bytes > 0:
            self.pending[name] = int(after_bytes)
        else:
            self._strike(name, delay=float(delay)) if name == "late_reply" else self._strike(name)
        return {"faults": sorted(k for k in self.faults if not k.startswith("_")), "pending": dict(self.pending)}

    def control_clear(self, name: str | None = None) -> dict[str, Any]:
        """Clear one fault (or all): paper loaded, cover closed, back online."""
        if name is None:
            self.faults.clear()
            self.pending.clear()
        else:
            self.faults.pop(name, None)
            self.pending.pop(name, None)
        return {"faults": sorted(k for k in self.faults if not k.startswith("_"))}

    def control_tickets(self) -> dict[str, Any]:
        return {"tickets": [{k: v for k, v in j.items() if k != "image"} for j in self.jobs]}
