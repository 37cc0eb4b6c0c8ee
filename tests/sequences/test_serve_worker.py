"""`reachout serve` sends by itself (SPEC §9): the app's own worker thread, started with the
app when `run_worker` is set, sends a due email within seconds, with no other process."""

from __future__ import annotations

import threading
import time

import httpx
import uvicorn

from reachout.app import create_app
from reachout.db import Database
from reachout.models import Team
from tests.factories import World, make_candidate
from tests.sequences.conftest import SmtpSink, free_port


def test_the_server_process_sends_due_mail(db: Database, world: World, smtp: SmtpSink) -> None:
    with db.unit_of_work() as s:
        team = s.get(Team, world.team.id)
        assert team is not None
        team.sending_days, team.sending_start, team.sending_end = (
            "mon,tue,wed,thu,fri,sat,sun",
            "00:00",
            "24:00",
        )
        candidate = make_candidate(s, team=team, name="Ada Lovelace", emails=["ada@example.org"])
        candidate_id = candidate.id
    settings = db.settings.model_copy(
        update={"run_worker": True, "smtp_url": smtp.url, "worker_poll_seconds": 0.2}
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db=db), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30) as api:
            deadline = time.monotonic() + 15
            while True:
                try:
                    api.get("/me", headers=world.member.headers)
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.05)
            sequence = api.post(
                "/sequences",
                json={
                    "name": "Hello",
                    "stages": [
                        {"channel": "email", "subject": "Hi", "body": "Hello {{first_name}}"}
                    ],
                },
                headers=world.member.headers,
            ).json()
            enrolled = api.post(
                f"/sequences/{sequence['id']}/enrollments",
                json={"candidate_ids": [candidate_id]},
                headers=world.member.headers,
            )
            assert enrolled.status_code == 201
            deadline = time.monotonic() + 10
            while not smtp.received:
                assert time.monotonic() < deadline, "no mail within 10 seconds of its due time"
                time.sleep(0.1)
            [mail] = smtp.to("ada@example.org")
            assert mail.get_payload(decode=True).decode().strip() == "Hello Ada"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()
