"""PROMETHEUS_MULTIPROC_DIR for `reachout serve --workers N`: where each server process keeps
its metrics' values, for a scrape answered by any of them to sum them all.

Apart from `metrics`, so that the command can prepare it without importing prometheus-client,
which reads the variable once, when first imported, to choose how it stores values.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_dir(*, processes: int) -> None:
    """For the server processes about to start: the directory set in the environment, emptied
    (values of processes gone would be summed in), or else, for more than one process, a new
    temporary one, removed when this process exits. One process counts in its own memory."""
    given = os.environ.get(MULTIPROC_DIR)
    if given:
        os.makedirs(given, exist_ok=True)
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.remove(os.path.join(given, name))
    elif processes > 1:
        made = tempfile.mkdtemp(prefix="reachout-metrics-")
        os.environ[MULTIPROC_DIR] = made
        atexit.register(shutil.rmtree, made, ignore_errors=True)
