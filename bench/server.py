"""A real server for the sections that measure over HTTP: `reachout serve` in a process of its
own on loopback, as an operator runs it, and what only the operating system can tell about it
(resident memory, CPU time)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

import reachout
from bench.targets import Target
from reachout.models import User
from reachout.users.service import create_token

STARTUP_SECONDS = 90.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    workers: int
    log: Path

    def serving_pids(self) -> list[int]:
        """The processes that answer requests: uvicorn's worker processes, or the server
        itself when it runs one."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if b"spawn_main" in _cmdline(pid)]


@contextmanager
def serve(target: Target, workdir: Path, *, workers: int, floor: bool = False) -> Iterator[Server]:
    """`python -m reachout serve` on the target's database, until the block ends (`floor`:
    uvicorn serving bench/floor.py's app, which does nothing, with as many workers)."""
    port = _free_port()
    log = workdir / f"server-{'floor' if floor else target.key}-{port}.log"
    # The server runs the very code the benchmark imported (a worktree's, say), whatever the
    # installed package points to.
    source = str(Path(reachout.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
        "REACHOUT_DATABASE_URL": target.db.settings.database_url,
    }
    if floor:
        # The same server, serving bench/floor.py's app instead of Reachout's.
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parent.parent), source])
        command = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--host", "127.0.0.1"]
    else:
        command = [sys.executable, "-m", "reachout", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, f"http://127.0.0.1:{port}", workers, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        _stop(process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                # Every worker has started when each is listening; uvicorn starts them together.
                while len(server.serving_pids()) < server.workers:
                    time.sleep(0.1)
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    tail = server.log.read_text(errors="replace")[-2000:]
    _stop(server.process)
    raise RuntimeError(f"the server did not start on {server.base_url}:\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and its workers: the process group this module started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def api_token(target: Target) -> str:
    """A new API token of the seeded team's admin."""
    with target.db.unit_of_work() as session:
        admin = session.get_one(User, target.admin_id)
        _, secret = create_token(session, user=admin, label="benchmark")
    return secret


# --- what the operating system knows about a process (Linux /proc) ---------------------------


def peak_rss_kib(pid: int) -> int:
    """The largest resident set the process has had (VmHWM), since it started or since
    `reset_peak_rss`."""
    return _status_kib(pid, "VmHWM")


def rss_kib(pid: int) -> int:
    return _status_kib(pid, "VmRSS")


def reset_peak_rss(pid: int) -> bool:
    """Start VmHWM again from the current resident set (Linux 4.0+); False if not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far (0 for one that is gone)."""
    total = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces: count fields after its end.
        fields = stat[stat.rindex(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / CLOCK_TICKS


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"no {field} in /proc/{pid}/status")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
