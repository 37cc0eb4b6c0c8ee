"""The Add candidate form takes LinkedIn profile URLs only, as the API does."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.factories import World
from tests.security.conftest import WebClient


def test_the_form_refuses_another_host_and_links_the_profile_it_stored(
    live_server: LiveServer, world: World
) -> None:
    with httpx.Client(base_url=live_server.url, timeout=30) as http:
        web = WebClient(http)
        web.sign_in(world.member.user.email)
        csrf = web.csrf("/candidates")
        form = {"name": "Jane Doe", "linkedin_url": "https://evil.example/in/jane", "email": ""}
        refused = web.send("POST", "/candidates", form=form, csrf=csrf)
        assert refused.status_code == 422
        assert "expected a LinkedIn profile URL (https://www.linkedin.com/in/...)" in refused.text
        assert 'href="https://evil.example' not in refused.text
        form["linkedin_url"] = "uk.linkedin.com/in/Jane-Doe/?trk=x"
        added = web.send("POST", "/candidates", form=form, csrf=csrf)
        assert added.status_code == 303, added.text
        profile = web.send("GET", added.headers["location"])
        assert 'href="https://www.linkedin.com/in/jane-doe"' in profile.text
