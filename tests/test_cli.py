"""The `reachout` command against each test database: run in this process through `main()`, as
the console script runs it, and for real in a subprocess where a process matters (`--version`,
`serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import httpx
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from reachout import instance
from reachout.cli import main
from reachout.db import Database
from reachout.demo import PASSWORD, TEAM_NAME, load_demo, load_demo_if_empty
from reachout.kit import security
from reachout.kit.time import now
from reachout.models import (
    ApiToken,
    Candidate,
    InstanceSetting,
    Project,
    ProjectCandidate,
    Team,
    Touchpoint,
    User,
)
from tests.factories import make_team


def run_cli(url: str, *args: str) -> Result:
    """`reachout ARGS` on the database at `url`, in this process: through `main()`, which turns
    errors into the one line on stderr that a user sees, with stdout and stderr kept apart.

    stdin is not a terminal here, so commands that need a password generate one. An error that
    `main()` lets through is raised here, where a process would have printed a traceback."""
    runner = CliRunner()
    env = {"REACHOUT_DATABASE_URL": url}
    with (
        runner.isolation(env=env) as (stdout, stderr, output),
        mock.patch.object(sys, "argv", ["reachout", *args]),
    ):
        try:
            main()
            code: object = 0
        except SystemExit as exc:
            code = exc.code
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        assert isinstance(code, int | None), code
        return Result(
            runner=runner,
            stdout_bytes=stdout.getvalue(),
            stderr_bytes=stderr.getvalue(),
            output_bytes=output.getvalue(),
            return_value=None,
            exit_code=code or 0,
            exception=None,
        )


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert result.stdout == ""


def test_team_create_shows_a_generated_password_and_the_admin_can_get_a_token(
    db: Database, client: httpx.Client
) -> None:
    url = db.settings.database_url
    created = run_cli(url, "team", "create", "Acme Talent", "--admin-email", "Ana@Acme.test")
    assert created.exit_code == 0, created.stderr
    password = next(
        line.removeprefix("Password: ")
        for line in created.stdout.splitlines()
        if line.startswith("Password: ")
    )
    with db.unit_of_work() as s:
        admin = s.scalars(select(User).where(User.email == "ana@acme.test")).one()
        assert admin.role == "admin"
        assert admin.team.name == "Acme Talent"
        assert security.verify_password(admin.password_hash, password)

    issued = run_cli(url, "token", "create", "--email", "ana@acme.test", "--label", "laptop")
    assert issued.exit_code == 0, issued.stderr
    # Nothing but the token on stdout, so `TOKEN=$(reachout token create ...)` works.
    assert issued.stdout.endswith("\n")
    token = issued.stdout.strip()
    assert issued.stdout == token + "\n"
    assert token.startswith(security.TOKEN_PREFIX)

    me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["email"] == "ana@acme.test"
    assert me.json()["team"]["name"] == "Acme Talent"
    with db.unit_of_work() as s:
        stored = s.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
        assert stored.token_hash == security.hash_token(token)
        assert stored.label == "laptop"


def test_user_add_sets_the_role_and_the_password_given(db: Database) -> None:
    with db.unit_of_work() as s:
        team, _ = make_team(s, name="Globex")
    result = run_cli(
        db.settings.database_url,
        *("user", "add", "--team", "Globex", "--email", "lee@globex.test"),
        *("--name", "Lee Park", "--role", "admin", "--password", "a long passphrase"),
    )
    assert result.exit_code == 0, result.stderr
    assert "Password" not in result.stdout
    with db.unit_of_work() as s:
        user = s.scalars(select(User).where(User.email == "lee@globex.test")).one()
        assert (user.team_id, user.name, user.role) == (team.id, "Lee Park", "admin")
        assert security.verify_password(user.password_hash, "a long passphrase")


def test_user_add_with_a_taken_email_is_a_one_line_error(db: Database) -> None:
    with db.unit_of_work() as s:
        team, admin = make_team(s, name="Initech")
    result = run_cli(
        db.settings.database_url,
        *("user", "add", "--team", "Initech", "--email", admin.email.upper()),
    )
    assert_one_line_error(result, admin.email, "exists already")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).where(User.team_id == team.id)) == 1


def test_an_unknown_team_or_user_is_a_one_line_error(db: Database) -> None:
    url = db.settings.database_url
    result = run_cli(url, "user", "add", "--team", "Nobody Inc", "--email", "x@nobody.test")
    assert_one_line_error(result, "no team named 'Nobody Inc'")
    result = run_cli(url, "token", "create", "--email", "ghost@nobody.test")
    assert_one_line_error(result, "ghost@nobody.test")


def test_a_rule_broken_by_the_input_is_a_one_line_error(db: Database) -> None:
    url = db.settings.database_url
    result = run_cli(url, "team", "create", "X", "--admin-email", "x@x.test", "--time-zone", "Mars")
    assert_one_line_error(result, "time zone")
    result = run_cli(url, "team", "create", "X", "--admin-email", "x@x.test", "--password", "short")
    assert_one_line_error(result, "password")
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Team)) == 0


def test_db_upgrade_on_a_migrated_database_changes_nothing(db: Database) -> None:
    result = run_cli(db.settings.database_url, "db", "upgrade")
    assert result.exit_code == 0, result.stderr
    assert "up to date" in result.stdout


def test_commands_on_an_unmigrated_database_say_to_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run_cli(url, "team", "create", "Acme", "--admin-email", "a@acme.test")
    assert_one_line_error(result, "reachout db upgrade")
    upgraded = run_cli(url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.stderr
    assert "upgraded from empty to" in upgraded.stdout
    assert run_cli(url, "team", "create", "Acme", "--admin-email", "a@acme.test").exit_code == 0


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/reachout.db",
        "postgresql+psycopg://reachout:secret@127.0.0.1:1/reachout",
        "not a database url",
    ],
)
def test_a_database_that_cannot_be_reached_is_a_one_line_error(url: str) -> None:
    result = run_cli(url, "db", "upgrade")
    assert_one_line_error(result)
    assert "secret" not in result.stderr


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "reachout", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith("reachout ")


# --- instance secret --------------------------------------------------------------------------


def test_the_generated_secret_key_is_stored_once_and_reused(db: Database) -> None:
    settings = db.settings.model_copy(update={"secret_key": None})
    with db.unit_of_work() as s:
        first = instance.ensure_secret_key(s, settings)
    with db.unit_of_work() as s:
        assert instance.ensure_secret_key(s, settings) == first
        assert s.scalar(select(func.count()).select_from(InstanceSetting)) == 1
    configured = db.settings.model_copy(update={"secret_key": "from-the-environment"})
    with db.unit_of_work() as s:
        assert instance.ensure_secret_key(s, configured) == "from-the-environment"
    assert len(first) >= 64


def test_a_process_that_loses_the_secret_key_race_uses_the_winners_key(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = db.settings.model_copy(update={"secret_key": None})
    with db.unit_of_work() as s:
        winner = instance.ensure_secret_key(s, settings)
    # This process read "no key yet" just before the other one committed its key.
    reads = iter([None])
    real = instance._stored
    monkeypatch.setattr(instance, "_stored", lambda s, key: next(reads, real(s, key)))
    with db.unit_of_work() as s:
        assert instance.ensure_secret_key(s, settings) == winner
        s.add(Team(name="still usable"))  # the transaction survived the conflict
    with db.unit_of_work() as s:
        assert s.scalar(select(InstanceSetting.value)) == winner


# --- demo data --------------------------------------------------------------------------------


def test_the_demo_is_a_believable_team_with_three_months_of_outreach(db: Database) -> None:
    with db.unit_of_work() as s:
        demo = load_demo(s)
    with db.unit_of_work() as s:
        team = s.scalars(select(Team)).one()
        assert (team.name, team.time_zone) == (TEAM_NAME, "America/New_York")
        staff = list(s.scalars(select(User).where(User.team_id == team.id)))
        assert sorted(u.role for u in staff) == ["admin", "member", "member"]
        admin = next(u for u in staff if u.email == demo.email)
        assert admin.role == "admin"
        assert security.verify_password(admin.password_hash, PASSWORD)
        assert s.scalar(select(func.count()).select_from(Candidate)) == demo.candidates == 200
        assert s.scalar(select(func.count()).select_from(Project)) == demo.projects == 4
        assert (s.scalar(select(func.count()).select_from(ProjectCandidate)) or 0) > 200

        touchpoints = list(s.scalars(select(Touchpoint)))
        assert len(touchpoints) == demo.touchpoints
        # Two sequences with history: their emails and tasks are touchpoints of the ledger.
        from_sequences = [t for t in touchpoints if t.source == "sequence"]
        assert demo.sequences_sent == len([t for t in from_sequences if t.channel == "email"])
        assert {t.sequence_stage for t in from_sequences} == {1, 2, 3}
        assert 250 <= len(touchpoints) <= 700
        outreach = [t for t in touchpoints if t.kind == "outreach"]
        replies = [t for t in touchpoints if t.kind == "reply"]
        assert {t.designation_mode for t in outreach} == {"auto"}
        initial = [t for t in outreach if t.designation == "initial"]
        follow_ups = [t for t in outreach if t.designation == "follow_up"]
        # One thread per contacted candidate: each has exactly one first outreach.
        assert len(initial) == len({t.candidate_id for t in outreach})
        assert len(follow_ups) > 50
        assert 0.15 <= len(replies) / len(initial) <= 0.4
        assert {t.reply_status for t in replies} >= {"interested", "not_interested", "later"}
        assert {t.channel for t in touchpoints} == {"email", "inmail", "text", "call"}
        assert {t.user_id for t in touchpoints} == {u.id for u in staff}
        assert all(now() - timedelta(days=91) < t.occurred_at < now() for t in touchpoints)

        token = s.scalars(select(ApiToken).where(ApiToken.user_id == admin.id)).one()
        assert token.token_hash == security.hash_token(demo.token)


def test_the_demo_is_only_added_to_an_empty_database(db: Database) -> None:
    with db.unit_of_work() as s:
        make_team(s)
    with db.unit_of_work() as s:
        assert load_demo_if_empty(s) is None
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Team)) == 1


# --- serve ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_demo_starts_a_server_whose_printed_token_works(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "REACHOUT_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    env.pop("REACHOUT_SECRET_KEY", None)
    out, err = tmp_path / "stdout", tmp_path / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "reachout", "serve", "--demo", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(base, server, err)
        printed = out.read_text()
        assert f"{base}/api/docs" in printed
        token = next(
            line.split()[-1] for line in printed.splitlines() if line.startswith("API token:")
        )
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert me.json()["team"]["name"] == TEAM_NAME
        assert me.json()["role"] == "admin"
        assert f"Sign in as: {me.json()['email']}" in printed
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Traceback" not in err.read_text()


def wait_until_healthy(base: str, server: subprocess.Popen[bytes], err: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"reachout serve exited with {server.returncode}: {err.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"reachout serve did not become healthy: {err.read_text()}")
