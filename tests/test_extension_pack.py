"""The browser extension as the app hands it out: the zip of extension/, from Settings and from
`reachout extension pack`."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import httpx

from reachout.db import Database
from reachout.extension import extension_dir, pack
from tests.conftest import LiveServer
from tests.factories import PASSWORD, World
from tests.test_cli import run_cli

ROOT = Path(__file__).resolve().parents[1]


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_every_file_of_the_extension_at_its_root() -> None:
    assert extension_dir() == ROOT / "extension"
    files = _files(pack())
    on_disk = {
        p.relative_to(ROOT / "extension").as_posix(): p.read_bytes()
        for p in (ROOT / "extension").rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert files == on_disk
    manifest = json.loads(files["manifest.json"])
    assert manifest["manifest_version"] == 3
    assert pack() == pack()  # the same files make the same zip


def test_settings_offers_the_download_to_a_signed_in_user(
    live_server: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        signed_out = http.get("/extension.zip")
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/sign-in")
        form = http.get("/sign-in").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        http.post(
            "/sign-in",
            data={"email": world.member.user.email, "password": PASSWORD, "csrf_token": token},
        )
        settings = http.get("/settings")
        assert "Get the browser extension" in settings.text
        assert 'href="/extension.zip"' in settings.text
        assert live_server.url in settings.text  # the address the options ask for
        download = http.get("/extension.zip")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "reachout-extension.zip" in download.headers["content-disposition"]
    assert _files(download.content) == _files(pack())


def test_reachout_extension_pack_writes_the_zip(db: Database, tmp_path: Path) -> None:
    out = tmp_path / "ext.zip"
    result = run_cli(db.settings.database_url, "extension", "pack", "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {out}" in result.stdout
    assert _files(out.read_bytes()) == _files(pack())
    missing = run_cli(
        db.settings.database_url, "extension", "pack", "--output", str(tmp_path / "no" / "x.zip")
    )
    assert missing.exit_code == 1 and missing.stderr.startswith("error: ")
