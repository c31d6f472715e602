from urllib.parse import parse_qs, urlsplit

import pytest

from bot.bookings.adapters.link import prefilled_url
from bot.bookings.config import LinkConfig, environment_problems, parse_booking_config
from bot.settings import SettingsError, load_settings
from tests.support.booking_data import make_settings


def test_shipped_clinic_file_has_a_valid_booking_section():
    config = parse_booking_config(load_settings())
    assert config.handoff == ("link",)
    assert config.link is not None and config.link.base_url == load_settings().booking_url
    assert config.webhook is None and config.email is None  # blank sections are fine when off


def test_missing_booking_section_means_link_only():
    settings = make_settings({})
    settings.extra.pop("booking")  # type: ignore[attr-defined]
    assert parse_booking_config(settings).handoff == ("link",)


@pytest.mark.parametrize(
    "booking, message",
    [
        ({"handoff": ["fax"]}, "unknown fax"),
        ({"handoff": ["webhook"]}, "booking.webhook.url is required"),
        ({"handoff": ["webhook"], "webhook": {"url": "ftp://x.example"}}, "https://"),
        (
            {
                "handoff": ["webhook"],
                "webhook": {"url": "http://hooks.example.org/x", "secret_env": "S"},
            },
            "unencrypted",
        ),
        (
            {"handoff": ["webhook"], "webhook": {"url": "https://h.example.org"}},
            "secret_env is required",
        ),
        (
            {
                "handoff": ["webhook"],
                "webhook": {
                    "url": "https://h.example.org",
                    "secret_env": "S",
                    "timeout_seconds": "soon",
                },
            },
            "must be a number",
        ),
        (
            {"handoff": ["email"], "email": {"host": "smtp.x.org", "from": "a@x.org"}},
            "to is required",
        ),
        (
            {
                "handoff": ["email"],
                "email": {"host": "smtp.x.org", "from": "nope", "to": "b@x.org"},
            },
            "valid email",
        ),
        (
            {
                "handoff": ["email"],
                "email": {"host": "h", "from": "a@x.org", "to": "b@x.org", "ssl": True},
            },
            "either starttls or ssl",
        ),
        (
            {
                "handoff": ["email"],
                "email": {"host": "h", "from": "a@x.org", "to": "b@x.org", "username": "u"},
            },
            "password_env is required",
        ),
        (
            {
                "handoff": ["email"],
                "email": {"host": "h", "from": "a@x.org", "to": "b@x.org", "starttls": "yes"},
            },
            "true or false",
        ),
        ({"link": {"params": {"ssn": "x"}}}, "'ssn' is not one of"),
        ({"link": {"params": {"name": ""}}}, "query parameter name"),
        ({"delivery": {"max_attempts": 0}}, "between 1 and 100"),
        ({"delivery": {"base_delay_seconds": True}}, "must be a number"),
        ({"link": "yes"}, "must be a mapping"),
    ],
)
def test_bad_booking_settings_are_explained(booking, message):
    with pytest.raises(SettingsError, match=message):
        parse_booking_config(make_settings(booking))


def test_http_is_allowed_for_loopback_or_when_explicitly_allowed():
    local = make_settings(
        {"handoff": ["webhook"], "webhook": {"url": "http://127.0.0.1:9/x", "secret_env": "S"}}
    )
    assert parse_booking_config(local).webhook.url == "http://127.0.0.1:9/x"
    lan = make_settings(
        {
            "handoff": ["webhook"],
            "webhook": {"url": "http://10.0.0.5/x", "secret_env": "S", "allow_http": True},
        }
    )
    assert parse_booking_config(lan).webhook is not None


def test_environment_problems_name_the_variable_never_a_value(monkeypatch):
    settings = make_settings(
        {
            "handoff": ["webhook", "email"],
            "webhook": {"url": "https://h.example.org", "secret_env": "PIT_T_SECRET"},
            "email": {
                "host": "h",
                "from": "a@x.org",
                "to": ["b@x.org"],
                "username": "u",
                "password_env": "PIT_T_PW",
            },
        }
    )
    monkeypatch.delenv("PIT_T_SECRET", raising=False)
    monkeypatch.delenv("PIT_T_PW", raising=False)
    problems = environment_problems(parse_booking_config(settings))
    assert len(problems) == 2 and "PIT_T_SECRET" in problems[0] and "PIT_T_PW" in problems[1]
    monkeypatch.setenv("PIT_T_SECRET", "x")
    monkeypatch.setenv("PIT_T_PW", "y")
    assert environment_problems(parse_booking_config(settings)) == ()


def test_database_url_precedence(monkeypatch, tmp_path):
    from bot.bookings.db import DEFAULT_DB_PATH, database_url

    monkeypatch.delenv("PIT_DATABASE_URL", raising=False)
    assert database_url(make_settings({})) == f"sqlite:///{DEFAULT_DB_PATH}"
    configured = make_settings({"database_url": f"sqlite:///{tmp_path}/a.db"})
    assert database_url(configured) == f"sqlite:///{tmp_path}/a.db"
    monkeypatch.setenv("PIT_DATABASE_URL", f"sqlite:///{tmp_path}/b.db")
    assert database_url(configured) == f"sqlite:///{tmp_path}/b.db"


SNAPSHOT = {
    "reference": "K7M2Q9PX",
    "kind": "booking",
    "name": "José Ñúñez & Co = 100%",
    "email": "a+b@example.org",
    "phone": "+12025550123",
    "pain_area": None,
    "preferred_times": "",
    "patient_type": "new",
}


def test_prefilled_link_is_properly_encoded_and_skips_empty_fields():
    config = LinkConfig(
        base_url="https://clinic.example/book",
        params={
            "name": "patient_name",
            "email": "email",
            "pain_area": "notes",
            "preferred_times": "when",
            "reference": "ref",
        },
    )
    url = prefilled_url(config, SNAPSHOT)
    assert url == (
        "https://clinic.example/book?patient_name=Jos%C3%A9%20%C3%91%C3%BA%C3%B1ez%20%26%20Co%20"
        "%3D%20100%25&email=a%2Bb%40example.org&ref=K7M2Q9PX"
    )
    assert parse_qs(urlsplit(url).query) == {
        "patient_name": ["José Ñúñez & Co = 100%"],
        "email": ["a+b@example.org"],
        "ref": ["K7M2Q9PX"],
    }


def test_prefilled_link_keeps_existing_query_and_fragment():
    config = LinkConfig(
        base_url="https://clinic.example/book?service=pit&email=old#form",
        params={"email": "email", "phone": "tel"},
    )
    url = prefilled_url(config, SNAPSHOT)
    parts = urlsplit(url)
    assert parts.fragment == "form"
    assert parse_qs(parts.query) == {
        "service": ["pit"],
        "email": ["a+b@example.org"],
        "tel": ["+12025550123"],
    }


def test_link_without_params_is_the_plain_booking_url():
    assert (
        prefilled_url(LinkConfig(base_url="https://clinic.example/book"), SNAPSHOT)
        == "https://clinic.example/book"
    )


def test_injection_in_a_name_cannot_break_out_of_the_link():
    config = LinkConfig(base_url="https://clinic.example/book", params={"name": "n"})
    url = prefilled_url(config, dict(SNAPSHOT, name="x&admin=1#<script>alert(1)</script>"))
    assert parse_qs(urlsplit(url).query) == {"n": ["x&admin=1#<script>alert(1)</script>"]}
    assert urlsplit(url).fragment == "" and "<" not in url
