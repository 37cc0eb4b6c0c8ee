"""The uniqueness key of a LinkedIn URL is what it was before URLs were checked: the rows stored
then are matched by the same key now."""

from __future__ import annotations

import pytest

from reachout.candidates.service import linkedin_key
from reachout.errors import Invalid


@pytest.mark.parametrize(
    "url",
    [
        "https://www.LinkedIn.com/in/Jane-Doe/?trk=x",
        "linkedin.com/in/jane-doe",
        "http://linkedin.com/in/jane-doe#about",
        "https://www.linkedin.com/in/jane-doe",
    ],
)
def test_every_spelling_of_a_profile_has_the_key_it_always_had(url: str) -> None:
    assert linkedin_key(url) == "linkedin.com/in/jane-doe"


def test_a_country_subdomain_is_the_same_profile() -> None:
    assert linkedin_key("https://de.linkedin.com/in/Jane-Doe") == "linkedin.com/in/jane-doe"


def test_another_host_is_invalid_on_the_field() -> None:
    with pytest.raises(Invalid) as refused:
        linkedin_key("https://evil.example/in/jane-doe")
    assert [e.field for e in refused.value.errors] == ["linkedin_url"]
    assert "https://www.linkedin.com/in/..." in refused.value.detail
