"""Load generator for `motcua bench server`, run in its own process.

Plain asyncio HTTP/1.1 keep-alive clients (no HTTP library) so that the
client's own cost stays small next to the server's. Usage (internal):
    python -m bench.load '{"port": ..., "phases": [...]}'
prints one JSON object with per-phase throughput and latency percentiles.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import time
import uuid
from typing import Any


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


class Conn:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> int:
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Length: {len(body)}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(head.encode() + b"\r\n" + body)
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


def time_ordered_key() -> str:
    """The kiosk's Idempotency-Key format (kiosk_app.ticket.issuing): milliseconds, then 80 random bits."""
    return f"{time.time_ns() // 1_000_000:012x}{secrets.token_hex(10)}"


def random_key() -> str:
    """What a third-party client may send: a random UUID (a random place in the key index)."""
    return uuid.uuid4().hex


KEYS = {"time_ordered": time_ordered_key, "random": random_key}


async def issuer(conn: Conn, n: int, end: float, key: str, services: list[str], out: dict,
                 path: str = "/api/v1/tickets", rate: float = 0.0, clients: int = 50,
                 keys: str = "time_ordered") -> None:
    """Closed loop (next request when the answer comes), or paced at `rate` requests/s."""
    new_key = KEYS[keys]
    i = 0
    next_at = time.perf_counter() + (n / clients) / rate if rate else 0.0  # spread the clients
    while time.perf_counter() < end:
        if rate:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at += 1.0 / rate
        body = json.dumps({"service": services[(n + i) % len(services)]}).encode()
        t0 = time.perf_counter()
        status = await conn.request("POST", path, {
            "Authorization": f"Bearer {key}", "Content-Type": "application/json",
            "Idempotency-Key": new_key()}, body)
        out["lat"].append(time.perf_counter() - t0)
        out["status"][status] = out["status"].get(status, 0) + 1
        i += 1


async def caller(conn: Conn, counter: str, end: float, token: str, out: dict, rate: float = 0.0) -> None:
    while time.perf_counter() < end:
        if rate:
            await asyncio.sleep(1.0 / rate)
        t0 = time.perf_counter()
        status = await conn.request("POST", f"/api/v1/counters/{counter}/call-next",
                                    {"Authorization": f"Bearer {token}"})
        out["lat"].append(time.perf_counter() - t0)
        out["status"][status] = out["status"].get(status, 0) + 1
        if status == 204:
            await asyncio.sleep(0.05)


async def noop(conn: Conn, end: float, out: dict) -> None:
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        status = await conn.request("GET", "/api/v1/health", {})
        out["lat"].append(time.perf_counter() - t0)
        out["status"][status] = out["status"].get(status, 0) + 1


def summary(out: dict, seconds: float) -> dict[str, Any]:
    lat = sorted(out["lat"])
    return {"requests": len(lat), "throughput_rps": round(len(lat) / seconds, 1),
            "p50_ms": round(percentile(lat, 0.5) * 1000, 2), "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "status": {str(k): v for k, v in sorted(out["status"].items())}}


def process_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return None


async def drive(spec: dict, p: dict, main: dict, calls: dict) -> float | None:
    """Run one phase's clients (and counters) for p["seconds"]; the server's CPU seconds used."""
    clients, counters, seconds = p["clients"], p.get("counters", []), p["seconds"]
    conns = [Conn("127.0.0.1", spec["port"]) for _ in range(clients + len(counters))]
    await asyncio.gather(*(c.open() for c in conns))
    cpu0 = process_cpu_seconds(spec.get("server_pid"))
    end = time.perf_counter() + seconds
    if p["kind"] == "noop":
        tasks = [noop(c, end, main) for c in conns[:clients]]
    elif p["kind"] == "noop_post":
        tasks = [issuer(c, n, end, spec["kiosk_key"], spec["services"], main, "/api/v1/bench/noop-ticket")
                 for n, c in enumerate(conns[:clients])]
    else:
        tasks = [issuer(c, n, end, spec["kiosk_key"], spec["services"], main,
                        rate=p.get("rate_per_client", 0.0), clients=clients, keys=p.get("keys", "time_ordered"))
                 for n, c in enumerate(conns[:clients])]
    tasks += [caller(c, k, end, spec.get("officer_tokens", {}).get(k, spec["officer_token"]), calls, p.get("counter_rate", p.get("rate_per_client", 0.0)))
              for c, k in zip(conns[clients:], counters)]
    await asyncio.gather(*tasks)
    cpu1 = process_cpu_seconds(spec.get("server_pid"))
    for c in conns:
        c.close()
    return cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None


def report(p: dict, main: dict, calls: dict, seconds: float, cpu: float | None) -> dict[str, Any]:
    result = {"kind": p["kind"], **({"keys": p.get("keys", "time_ordered")} if p["kind"] != "noop" else {}),
              "clients": p["clients"], "counters": len(p.get("counters", [])), "seconds": seconds,
              "rate_per_client": p.get("rate_per_client", 0.0) or "closed loop",
              **summary(main, seconds)}
    answered = len(main["lat"]) + len(calls["lat"])
    if cpu is not None and answered:
        # the server's own CPU per answered request: unlike req/s, it does not depend on
        # how much CPU the load process and the machine's other tenants leave the server
        result["server_cpu_us_per_request"] = round(cpu / answered * 1e6, 1)
        result["server_cpu_percent"] = round(cpu / seconds * 100, 1)
    if p.get("counters"):
        result["call_next"] = summary(calls, seconds)
    return result


async def phase(spec: dict, p: dict) -> dict[str, Any]:
    main: dict = {"lat": [], "status": {}}
    calls: dict = {"lat": [], "status": {}}
    cpu = await drive(spec, p, main, calls)
    return report(p, main, calls, p["seconds"], cpu)


async def alternate(spec: dict, p: dict) -> dict[str, Any]:
    """Closed-loop phases taken in turns, p["slice"] seconds each, p["rounds"] times. A shared
    machine slows down for seconds at a time; taken in turns, every kind meets the slow spells
    alike, so their throughput ratio holds where back-to-back phases drift (±0.1 seen)."""
    kinds: dict[str, dict] = p["kinds"]
    acc = {name: {"main": {"lat": [], "status": {}}, "calls": {"lat": [], "status": {}}, "cpu": 0.0, "rounds": []}
           for name in kinds}
    for _ in range(p["rounds"]):
        for name, sub in kinds.items():
            a = acc[name]
            before = len(a["main"]["lat"])
            used = await drive(spec, {**sub, "clients": p["clients"], "seconds": p["slice"]}, a["main"], a["calls"])
            a["cpu"] = None if used is None or a["cpu"] is None else a["cpu"] + used
            a["rounds"].append(len(a["main"]["lat"]) - before)
    seconds = p["slice"] * p["rounds"]
    out = {name: {**report({**sub, "clients": p["clients"]}, acc[name]["main"], acc[name]["calls"], seconds,
                           acc[name]["cpu"]),
                  "per_round_requests": acc[name]["rounds"]} for name, sub in kinds.items()}
    return {"kind": "alternate", "slice_seconds": p["slice"], "rounds": p["rounds"], "phases": out}


async def main(spec: dict) -> list[dict]:
    return [await (alternate(spec, p) if p["kind"] == "alternate" else phase(spec, p)) for p in spec["phases"]]


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(json.loads(sys.argv[1])))))
