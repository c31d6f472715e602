import pytest

from bot.bookings.validation import (
    ForeignPhone,
    InvalidEmail,
    InvalidInput,
    InvalidName,
    InvalidPhone,
    InvalidText,
    clean_free_text,
    clean_name,
    clean_patient_type,
    country_abroad,
    display_phone_for,
    normalise_phone,
    validate_email,
)

INJECTIONS = [
    "'); DROP TABLE bookings;--",
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE booking_requests; --",
    "{{7*7}} ${7*7} %s %(name)s {0}",
    "' OR '1'='1",
]


# --- phone -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, region, expected",
    [
        ("(202) 555-0123", "US", "+12025550123"),
        ("202.555.0123", "US", "+12025550123"),
        ("+1 202 555 0123", "GB", "+12025550123"),  # an international number ignores the region
        ("020 7946 0018", "GB", "+442079460018"),
        ("０２０ ７９４６ ００１８", "GB", "+442079460018"),  # full-width digits
        ("  +44 (0)20 7946 0018  ", "GB", "+442079460018"),
        ("tel:+1-202-555-0123", "US", "+12025550123"),
        ("+12025550123", "us", "+12025550123"),  # region case does not matter
        ("my number is (202) 555-0123", "US", "+12025550123"),  # chat-style answers work
        # Shaped like the country's numbers but in no range the library knows (new or
        # reserved ranges): accepted, the patient checks it on the summary.
        ("+44 7700 900456", "US", "+447700900456"),
        ("+1 555 010 0199", "US", "+15550100199"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text, region, expected):
    assert normalise_phone(text, region) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "phone_empty"),
        ("   ", "phone_empty"),
        (None, "phone_empty"),
        (12025550123, "phone_empty"),  # not text: the form must pass what was typed
        ("555-0199", "phone_invalid"),  # too short for a US number
        ("call me maybe", "phone_invalid"),
        ("+1 055 010 0199", "phone_invalid"),  # no US area code starts with 0
        ("0000000000", "phone_invalid"),
        ("2" * 41, "phone_too_long"),
        ("9" * 10_000_000, "phone_too_long"),
        ("202\x00555\x000123", "phone_invalid"),
        ("202\u202e555 0123", "phone_invalid"),  # bidi override
        ("'); DROP TABLE bookings;--", "phone_invalid"),
    ],
)
def test_bad_phone_numbers_get_a_hint_with_an_example(text, code):
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(text, "US")
    error = caught.value
    assert error.code == code and error.field == "phone"
    assert isinstance(error, ValueError) and isinstance(error, InvalidInput)
    assert str(error) == error.hint
    if code != "phone_empty":
        assert "(201) 555-0123" in error.hint  # phonenumbers' US example, not hard-coded text
    if isinstance(text, str) and len(text) > 3:
        assert text not in error.hint  # never echo what was typed (hints may be logged)


@pytest.mark.parametrize("text", ["0412555019", "07700 900321", "06 12 34 56 78"])
def test_a_local_number_from_another_country_gets_asked_for_its_country_code(text):
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone(text, "US")
    assert caught.value.code == "phone_other_country"
    assert "+1" in caught.value.hint and "country code" in caught.value.hint


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0412 555 019", "+61412555019"),  # valid in 26 countries, an Australian mobile's grouping
        ("(0412) 555-019", "+61412555019"),  # any separators, the same groups
        ("07400 123456", "+447400123456"),
        ("0171 1234567", "+491711234567"),
        ("021 555 0142", "+64215550142"),
        ("0044 7400 123456", "+447400123456"),  # the international prefix most countries use
        ("00 61 412 555 019", "+61412555019"),
    ],
)
def test_a_mobile_written_the_way_one_country_writes_its_mobiles_is_read_as_that_countrys(
    text, expected
):
    assert normalise_phone(text, "US") == expected


@pytest.mark.parametrize(
    "text",
    [
        "0412555019",  # one block: an Australian or a Finnish mobile
        "06 12 34 56 78",  # written like French, Monegasque and Moroccan mobiles
        "07700 900321",  # UK drama range: no real mobile anywhere
    ],
)
def test_a_number_that_could_be_several_countries_mobile_is_kept_to_ask_the_country(text):
    with pytest.raises(ForeignPhone) as caught:
        normalise_phone(text, "US")
    assert caught.value.local == text


@pytest.mark.parametrize(
    "e164, home, country",
    [
        ("+61412555019", "US", "Australia"),
        ("+447400123456", "US", "United Kingdom"),
        ("+12015550123", "US", ""),
        ("+14165550199", "US", ""),  # Canada shares +1: dialled the same way
        ("+61412555019", "AU", ""),
        ("not a number", "US", ""),
    ],
)
def test_country_abroad_names_the_country_only_when_the_calling_code_is_not_the_clinics(
    e164, home, country
):
    assert country_abroad(e164, home) == country


def test_a_number_from_abroad_is_displayed_with_its_country():
    assert display_phone_for("+61412555019", "US") == "+61 412 555 019 (Australia)"
    assert display_phone_for("+12015550123", "US") == "+1 201-555-0123"


def test_with_its_country_code_the_same_number_is_taken():
    assert normalise_phone("+61 412 555 019", "US") == "+61412555019"
    assert normalise_phone("+44 7700 900321", "US") == "+447700900321"


@pytest.mark.parametrize(
    "text, hints, expected",
    [
        ("0412 345 678", ("AU",), "+61412345678"),
        ("0412 345 678", ("GB", "AU"), "+61412345678"),  # not valid in GB: the next hint
        ("021 123 4567", ("NZ",), "+64211234567"),
        ("07400 123456", ("GB",), "+447400123456"),
    ],
)
def test_a_hinted_country_reads_a_local_number_without_asking(text, hints, expected):
    assert normalise_phone(text, "US", hints) == expected


@pytest.mark.parametrize(
    "text, hints, expected",
    [
        ("(201) 555-0123", ("AU",), "+12015550123"),  # the clinic's own region comes first
        ("+44 7400 123456", ("AU",), "+447400123456"),  # a typed country code wins
    ],
)
def test_a_hint_never_overrides_the_clinic_region_or_a_typed_country_code(text, hints, expected):
    assert normalise_phone(text, "US", hints) == expected


@pytest.mark.parametrize("hints", [(), ("GB",), ("XX", ""), ("ZZ",)])
def test_a_number_not_valid_in_any_hinted_country_still_asks_for_the_country_code(hints):
    with pytest.raises(InvalidPhone) as caught:
        normalise_phone("0412345678", "US", hints)
    assert caught.value.code == "phone_other_country"


def test_unknown_phone_region_is_a_configuration_error_not_the_patients():
    with pytest.raises(ValueError) as caught:
        normalise_phone("(202) 555-0123", "XX")
    assert not isinstance(caught.value, InvalidInput)
    assert "phone_region" in str(caught.value)


# --- email -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("jose@example.org", "jose@example.org"),
        ("  Jose.Nunez+pit@Example.ORG ", "Jose.Nunez+pit@example.org"),  # domain lower-cased only
        ("o'brien-smith@mail.example.co.uk", "o'brien-smith@mail.example.co.uk"),
        ("li@bücher.example", "li@bücher.example"),  # internationalised domain
        ("a@xn--bcher-kva.example", "a@xn--bcher-kva.example"),
    ],
)
def test_valid_emails(text, expected):
    assert validate_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "plainaddress",
        "two@@example.org",
        "a@b@example.org",
        "no-domain@",
        "@no-local.org",
        "dot..dot@example.org",
        ".lead@example.org",
        "space in@example.org",
        "tab\t@example.org",
        "line\nbreak@example.org",
        "x@localhost",
        "x@-bad.example",
        "x@example.c",
        "x@exa_mple.org",
        "<script>alert(1)</script>@example.org",
        "'); DROP TABLE bookings;--@example.org",
        "a" * 65 + "@example.org",
        "a@" + "b" * 250 + ".org",
        "x" * 5_000_000,
        "Bob <bob@example.org>",
        "bob@example.org\r\nBcc: victim@example.org",  # header injection
    ],
)
def test_invalid_emails_are_refused_with_a_hint(text):
    with pytest.raises(InvalidEmail) as caught:
        validate_email(text)
    assert caught.value.code in ("email_invalid", "email_too_long")
    assert "example.com" in caught.value.hint
    assert text not in caught.value.hint


@pytest.mark.parametrize("text", ["", "  ", None, ["a@b.org"]])
def test_missing_email_is_asked_for(text):
    with pytest.raises(InvalidEmail) as caught:
        validate_email(text)
    assert caught.value.code == "email_empty"


# --- names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("José Ñúñez", "José Ñúñez"),
        ("李小龙", "李小龙"),
        ("O'Brien-Smith", "O'Brien-Smith"),
        ("  Anna   Maria \t van\nder Berg ", "Anna Maria van der Berg"),
        ("Zoë", "Zoë"),
        ("Jose\u0301", "Josè".replace("è", "é")),  # decomposed accent is composed (NFC)
        ("محمد عبد الله", "محمد عبد الله"),
        ("Ng\u200cuyen", "Ng\u200cuyen"),  # zero-width non-joiner is part of some scripts
        ("Dr. Åsa Öberg, Jr.", "Dr. Åsa Öberg, Jr."),
        ("Robert'); DROP TABLE bookings;--", "Robert'); DROP TABLE bookings;--"),  # kept verbatim
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
        ("a" * 100, "a" * 100),
    ],
)
def test_names_are_tidied_but_kept(text, expected):
    assert clean_name(text) == expected


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "name_empty"),
        ("   \n\t ", "name_empty"),
        (None, "name_empty"),
        (42, "name_empty"),
        ("a" * 101, "name_too_long"),
        ("José " * 1_000_000, "name_too_long"),
        ("12345", "name_invalid"),
        ("!!! ???", "name_invalid"),
        ("Bob\x00Smith", "name_invalid"),
        ("Bob\x1b[31mSmith", "name_invalid"),  # terminal escape
        ("Bob\u202eSmith", "name_invalid"),  # bidi override
        ("\ud800Bob", "name_invalid"),  # lone surrogate
    ],
)
def test_bad_names_are_refused(text, code):
    with pytest.raises(InvalidName) as caught:
        clean_name(text)
    assert caught.value.code == code
    assert caught.value.hint


# --- free text ---------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_strings_in_free_text_are_kept_verbatim(text):
    assert clean_free_text(text, 500) == text


def test_free_text_keeps_unicode_and_line_breaks_and_drops_controls():
    text = "Lower back 腰痛 — worse at night 🌙\r\nand\tmornings\x00\x07\u202e!"
    assert clean_free_text(text, 500) == "Lower back 腰痛 — worse at night 🌙\nand\tmornings!"


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "text_empty"),
        ("  \n ", "text_empty"),
        ("\x00\x01", "text_empty"),
        (None, "text_empty"),
        ("x" * 11, "text_too_long"),
        ("x" * 50_000_000, "text_too_long"),
    ],
)
def test_free_text_limits(text, code):
    with pytest.raises(InvalidText) as caught:
        clean_free_text(text, 10)
    assert caught.value.code == code
    if code == "text_too_long":
        assert "10 characters" in caught.value.hint


def test_free_text_limit_counts_cleaned_characters():
    assert clean_free_text("  " + "x" * 10 + "\x00  ", 10) == "x" * 10
    with pytest.raises(ValueError):
        clean_free_text("x", 0)


@pytest.mark.parametrize(
    "value, expected", [("new", "new"), (" Returning ", "returning"), (None, None), ("", None)]
)
def test_patient_type(value, expected):
    assert clean_patient_type(value) == expected


@pytest.mark.parametrize("value", ["old", "both", 1, "new'); DROP TABLE x;--"])
def test_bad_patient_type(value):
    with pytest.raises(InvalidText) as caught:
        clean_patient_type(value)
    assert caught.value.code == "patient_type_invalid"
