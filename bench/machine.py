"""The machine a run happened on, for the report: CPU, memory, versions, load."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    system: str
    python: str


def describe() -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=_memory_kib() / 1024 / 1024,
        system=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
    )


def uptime() -> str:
    """`uptime`'s line (its load averages: other work on the machine moves the figures)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        one, five, fifteen = os.getloadavg()
        return f"load average: {one:.2f}, {five:.2f}, {fifteen:.2f}"


def state() -> str:
    """`uptime`'s line and the speed probe: what the machine was doing, and how fast it was."""
    return f"`{uptime()}`; speed probe {speed_probe_ms():.0f} ms"


def speed_probe_ms() -> float:
    """CPU milliseconds a fixed pure-Python loop takes, best of 3. On this virtual machine the
    same code's figures moved by up to 1.7x between runs with no other work on it, and this
    probe between 57 and 101 ms within a minute: beside a figure, it tells a slow machine from
    a slow change."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.process_time() - started)
    return best * 1000


def _cpu_model() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    found = re.search(r"^model name\s*:\s*(.+)$", info, re.MULTILINE)
    return found.group(1).strip() if found else "unknown"


def _memory_kib() -> int:
    try:
        info = Path("/proc/meminfo").read_text()
    except OSError:
        return 0
    found = re.search(r"^MemTotal:\s*(\d+) kB", info, re.MULTILINE)
    return int(found.group(1)) if found else 0
