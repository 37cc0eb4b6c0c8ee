"""Server time of the heaviest web pages: a profile with 1,000 timeline entries, a project of
5,000 candidates, and the candidates list. Run: `python bench/web_pages.py [DATABASE_URL]`.

It builds the data in a fresh database (a SQLite file by default), serves the app on loopback,
signs in through the form and times 20 requests of each page from the client's side (so the
figure includes HTTP on loopback, a little more than the server's own time).
"""

from __future__ import annotations

import re
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import insert, select

from reachout import migrate
from reachout.app import create_app
from reachout.config import Settings
from reachout.db import Database
from reachout.kit.security import hash_password
from reachout.kit.time import now
from reachout.models import Candidate, Project, ProjectCandidate, Team, Touchpoint, User

PASSWORD = "bench-password"
RUNS = 20


def build(db: Database) -> dict[str, object]:
    with db.unit_of_work() as s:
        team = Team(name="Bench", time_zone="UTC")
        s.add(team)
        s.flush()
        user = User(
            team_id=team.id,
            email="bench@example.com",
            name="Bench",
            role="admin",
            password_hash=hash_password(PASSWORD),
        )
        candidate = Candidate(team_id=team.id, name="Long History")
        project = Project(team_id=team.id, name="Big Project")
        s.add_all([user, candidate, project])
        s.flush()
        start = now() - timedelta(days=400)
        s.execute(
            insert(Touchpoint),
            [
                {
                    "team_id": team.id,
                    "candidate_id": candidate.id,
                    "kind": "outreach",
                    "channel": "inmail",
                    "designation": "follow_up" if i else "initial",
                    "designation_mode": "explicit",
                    "note": f"note {i}",
                    "occurred_at": start + timedelta(hours=i),
                    "local_day": (start + timedelta(hours=i)).date(),
                    "user_id": user.id,
                    "created_by_id": user.id,
                    "source": "manual",
                }
                for i in range(1000)
            ],
        )
        s.execute(insert(Candidate), [{"team_id": team.id, "name": f"P {i}"} for i in range(5000)])
        ids = s.scalars(select(Candidate.id).where(Candidate.name.like("P %"))).all()
        s.execute(
            insert(ProjectCandidate), [{"project_id": project.id, "candidate_id": i} for i in ids]
        )
        return {"candidate": candidate.id, "project": project.id, "email": user.email}


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = Database(Settings(database_url=url))
    migrate.upgrade(db.engine)
    ids = build(db)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(db.settings, db=db), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as http:
        form = http.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None
        data = {"email": ids["email"], "password": PASSWORD, "csrf_token": token.group(1)}
        assert http.post("/sign-in", data=data).status_code == 303
        pages = {
            "profile, 1,000 timeline entries": f"/candidates/{ids['candidate']}",
            "project, 5,000 candidates": f"/projects/{ids['project']}",
            "candidates list, 5,001 candidates": "/candidates",
        }
        for label, path in pages.items():
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                answer = http.get(path)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200
            print(f"{label:36} median {statistics.median(times):6.1f} ms, max {max(times):6.1f} ms")
    server.should_exit = True
    db.dispose()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
