"""The checks on an FAQ answer typed in the staff form (bot/content/answer_checks.py).

Each rule is tested both ways. The clinic's real documents and answers are used too: every
answer we ship must pass the number and HTML rules, and the percentages the documents state
must count as known.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from bot.content.answer_checks import (
    MAX_CHARS,
    MAX_GRADE,
    Claim,
    KnownNumbers,
    Problem,
    check_answer,
    extract_claims,
    known_numbers,
    load_known_numbers,
    reading_grade,
)
from bot.settings import DEFAULT_SETTINGS_PATH, PROJECT_ROOT, load_settings
from bot.studio.documents import DEFAULT_DOCUMENTS_DIR

SOURCES_DIR = PROJECT_ROOT / DEFAULT_DOCUMENTS_DIR  # the clinic's documents, kept in the repo

SIMPLE = "PIT uses a tiny needle. The shots go just under the skin. Most people feel fine."
COMPLEX = (
    "Perineural injection therapy constitutes an innovative, minimally invasive therapeutic "
    "modality that administers dilute dextrose solutions subcutaneously, interrupting "
    "neurogenic inflammation and consequently facilitating substantial, sustained analgesia."
)
DOCS = ["000_doc.txt", "001_doc.txt"]
NOTHING_KNOWN = KnownNumbers()


def check(
    text: str,
    *,
    sources: tuple[str, ...] = ("000_doc.txt",),
    known: KnownNumbers = NOTHING_KNOWN,
    allowed: tuple[str, ...] = (),
) -> list[Problem]:
    return check_answer(text, sources, DOCS, known, allowed)


def codes(problems: list[Problem]) -> list[str]:
    return [problem.code for problem in problems]


def values(text: str) -> list[str]:
    return [claim.value for claim in extract_claims(text)]


# --- empty and too long ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_answer_is_refused(text: str) -> None:
    assert codes(check(text)) == ["empty"]


def test_an_answer_with_words_is_not_empty() -> None:
    assert check(SIMPLE) == []


def test_answer_at_the_limit_passes_and_one_over_is_too_long() -> None:
    at_limit = ("It is ok. " * MAX_CHARS)[:MAX_CHARS]
    assert "too_long" not in codes(check(at_limit))
    problems = check(at_limit + "x")
    assert codes(problems) == ["too_long"]
    assert "2,001 characters" in problems[0].message


def test_too_long_answer_still_gets_the_other_checks() -> None:
    text = "It is ok. " * 210 + "It costs $150."
    assert codes(check(text)) == ["too_long", "unknown_number"]


def test_100k_characters_is_too_long_at_once() -> None:
    started = time.perf_counter()
    problems = check("a" * 100_000)
    assert codes(problems) == ["too_long"]
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "unit", ["1,", "$1 ", "1-", "5% ", "twenty-", "<a", "&#", "{x", "1,000,", "- \n", "9" * 7]
)
def test_pathological_text_is_scanned_in_linear_time(unit: str) -> None:
    """Repeated fragments that would make a careless regular expression backtrack."""
    junk = unit * (100_000 // len(unit))
    started = time.perf_counter()
    extract_claims(junk)
    check(junk[: 5 * MAX_CHARS])
    assert time.perf_counter() - started < 10.0


# --- reading grade -----------------------------------------------------------------------------


def test_hard_answer_is_refused_with_its_grade() -> None:
    problems = check(COMPLEX)
    assert codes(problems) == ["grade"]
    grade = reading_grade(COMPLEX)
    assert grade > MAX_GRADE
    assert problems[0].message == (
        f"The answer reads at US grade {grade:.1f}; the limit is 8. "
        "Use shorter sentences and shorter words."
    )


def test_plain_answer_passes_the_grade() -> None:
    assert reading_grade(SIMPLE) <= MAX_GRADE
    assert "grade" not in codes(check(SIMPLE))


@pytest.mark.parametrize("text", ["", "   ", "😀🎉 👍", "\u200b\u202e"])
def test_reading_grade_of_text_without_words_is_zero(text: str) -> None:
    assert reading_grade(text) == 0.0


def test_placeholders_read_as_a_short_word() -> None:
    long_name = "{clinic_emergency_telephone_number_for_the_region}"
    assert reading_grade(f"Call {long_name} now.") == reading_grade("Call it now.")


def test_bullets_are_not_read_as_words() -> None:
    bullets = "The list:\n- Rest well\n* Use ice\n1. Call us"
    assert reading_grade(bullets) == reading_grade("The list:\nRest well.\nUse ice.\nCall us.")


# --- sources -----------------------------------------------------------------------------------


def test_answer_without_sources_is_refused() -> None:
    assert codes(check(SIMPLE, sources=())) == ["no_source"]


def test_unknown_source_is_named() -> None:
    problems = check(SIMPLE, sources=("000_doc.txt", "blog.txt"))
    assert codes(problems) == ["unknown_source"]
    assert '"blog.txt"' in problems[0].message


def test_known_sources_pass() -> None:
    assert check(SIMPLE, sources=tuple(DOCS)) == []


# --- HTML --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PIT is <b>safe</b>.",
        "Hi <script src='x.js'></script>",
        "End of a paragraph.</p>",
        "Note <!-- staff only --> here.",
        "Rest &amp; ice.",
        "Less than &lt; five.",
        "A &#60; sign.",
        "A &#x3C; sign.",
        "<BR>",
    ],
)
def test_html_is_refused(text: str) -> None:
    problems = check(text)
    assert codes(problems) == ["html"]
    assert "plain text" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        "It lasts less than <5 days.",
        "We <3 our patients.",
        "If a < b, then b > a.",
        "Q&A and R & D.",
        "Rest & ice; then walk.",
        "Dose ratio 1<2.",
    ],
)
def test_plain_less_than_and_ampersand_are_not_html(text: str) -> None:
    assert "html" not in codes(check(text))


def test_html_message_quotes_what_was_found() -> None:
    (problem,) = check("See <a href='x'>this</a> &amp; more.")
    assert "\"<a href='x'>\"" in problem.message and '"&amp;"' in problem.message


# --- placeholders ------------------------------------------------------------------------------


def test_unknown_placeholder_is_named() -> None:
    problems = check("Call {clinic_fone} or {clinic_phone}.", allowed=("clinic_phone",))
    assert codes(problems) == ["placeholder"]
    assert "{clinic_fone}" in problems[0].message
    assert "{clinic_phone}," not in problems[0].message.split("Use only")[0]


def test_allowed_placeholders_pass() -> None:
    assert check("Call {clinic_phone}.", allowed=("clinic_phone",)) == []


def test_any_placeholder_is_refused_when_none_is_allowed() -> None:
    assert codes(check("Call {clinic_phone}.")) == ["placeholder"]


def test_doubled_braces_are_not_placeholders() -> None:
    assert check('Tap /ask_topic{{"topic":"cost"}} or {{name}}.') == []


def test_placeholder_with_spaces_is_refused() -> None:
    (problem,) = check("Call { clinic phone }.", allowed=("clinic_phone",))
    assert problem.code == "placeholder" and "{ clinic phone }" in problem.message


# --- claims: what is and is not a price, dose or percentage ------------------------------------


@pytest.mark.parametrize(
    "text, kind, value",
    [
        ("$150", "price", "USD 150"),
        ("$1,200.50", "price", "USD 1200.5"),
        ("150 dollars", "price", "USD 150"),
        ("USD 150", "price", "USD 150"),
        ("150 USD", "price", "USD 150"),
        ("a $99 fee", "price", "USD 99"),
        ("€90", "price", "EUR 90"),
        ("90 euros", "price", "EUR 90"),
        ("£80", "price", "GBP 80"),
        ("NZ$150", "price", "NZD 150"),
        ("$150.00", "price", "USD 150"),
        ("10 mg", "dose", "10 mg"),
        ("0.5ml", "dose", "0.5 ml"),
        ("0.5 mL", "dose", "0.5 ml"),
        ("2 cc", "dose", "2 ml"),
        ("2 cm3", "dose", "2 ml"),
        ("5 millilitres", "dose", "5 ml"),
        ("5 milliliters", "dose", "5 ml"),
        ("5 milligrams", "dose", "5 mg"),
        ("50 mcg", "dose", "50 mcg"),
        ("50 µg", "dose", "50 mcg"),
        ("1 g", "dose", "1 g"),
        ("10 units", "dose", "10 units"),
        ("10 IU", "dose", "10 units"),
        ("4 mmol", "dose", "4 mmol"),
        ("5%", "percentage", "5%"),
        ("5.0%", "percentage", "5%"),
        ("12.5 %", "percentage", "12.5%"),
        ("20 percent", "percentage", "20%"),
        ("20 per cent", "percentage", "20%"),
        ("twenty percent", "percentage", "20%"),
        ("Twenty-five percent", "percentage", "25%"),
        ("one hundred percent", "percentage", "100%"),
        ("a 5% dextrose solution", "percentage", "5%"),
        ("５０％", "percentage", "50%"),
    ],
)
def test_claims_are_found_and_normalized(text: str, kind: str, value: str) -> None:
    (claim,) = extract_claims(text)
    assert (claim.kind, claim.value) == (kind, value)
    assert claim.text in text


@pytest.mark.parametrize(
    "text",
    [
        "Most people need 2 to 6 sessions.",
        "It may be sore for a day or two.",
        "Sessions are every 1-2 weeks.",
        "In an emergency, call 911.",
        "Dr Lyftogt began in 1990; this page is from 2024.",
        "About 1 in 300,000 injections.",
        "The fluid is D5W and acts on TRPV1.",
        "A visit takes 20 to 60 minutes.",
        "We have 5G wifi and 4 rooms.",
        "It is often percentage-free.",
        "Ten people said so.",
    ],
)
def test_plain_counts_are_not_claims(text: str) -> None:
    assert extract_claims(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5–15% dextrose", ["5%", "15%"]),  # en dash
        ("5-15% dextrose", ["5%", "15%"]),
        ("between 5 and 15 percent", ["5%", "15%"]),
        ("10 to 20%", ["10%", "20%"]),
        ("2 or 3 mg", ["2 mg", "3 mg"]),
        ("$100-200", ["USD 100", "USD 200"]),
        ("100 to 200 dollars", ["USD 100", "USD 200"]),
        ("$100 or 2 payments", ["USD 100"]),
    ],
)
def test_each_end_of_a_range_is_a_claim(text: str, expected: list[str]) -> None:
    assert values(text) == expected


def test_a_range_is_quoted_whole() -> None:
    assert extract_claims("about 5–15%") == [
        Claim("percentage", "5–15%", "5%"),
        Claim("percentage", "5–15%", "15%"),
    ]


def test_claims_come_in_reading_order() -> None:
    assert values("It is $90, with 5 mg and twenty percent off, or 10%.") == [
        "USD 90",
        "5 mg",
        "20%",
        "10%",
    ]


# --- unknown numbers ---------------------------------------------------------------------------


def test_unknown_price_is_refused_with_the_message_for_staff() -> None:
    known = known_numbers("The consultation costs $120.", "")
    problems = check("A visit is $150.", known=known)
    assert problems == [
        Problem(
            "unknown_number",
            'The answer states "$150", which is in neither the clinic\'s documents nor '
            "clinic.yml. Remove it or ask an admin to add it to clinic.yml.",
        )
    ]


@pytest.mark.parametrize("text", ["$120", "120 USD", "USD 120", "120 dollars", "$120.00"])
def test_known_price_passes_in_any_notation_of_its_currency(text: str) -> None:
    known = known_numbers("The consultation costs $120.", "")
    assert check(f"The visit is {text}.", known=known) == []


@pytest.mark.parametrize("text", ["€120", "120 euros", "NZ$120", "£120", "$121"])
def test_known_number_in_another_currency_is_refused(text: str) -> None:
    known = known_numbers("The consultation costs $120.", "")
    assert codes(check(f"The visit is {text}.", known=known)) == ["unknown_number"]


def test_thousands_separators_and_decimals_match() -> None:
    known = known_numbers("A full course is USD 1200.50 in total.", "")
    assert check("A course is $1,200.50.", known=known) == []
    assert codes(check("A course is $1,200.", known=known)) == ["unknown_number"]


def test_range_in_the_documents_makes_both_ends_known() -> None:
    known = known_numbers("We use 5–15% dextrose, or between 20 and 25 percent.", "")
    for value in ("5%", "15%", "20%", "25%"):
        assert value in known
    assert "10%" not in known
    assert check("It uses 5% or 15% dextrose, or twenty-five percent.", known=known) == []
    assert codes(check("It uses 10% dextrose.", known=known)) == ["unknown_number"]


def test_range_in_the_answer_checks_both_ends() -> None:
    known = known_numbers("Pain drops by 10% to 20%.", "")
    assert check("Pain drops by 10–20% each time.", known=known) == []
    (problem,) = check("Pain drops by 10–30% each time.", known=known)
    assert problem.code == "unknown_number" and '"10–30%"' in problem.message


def test_doses_match_across_unit_spellings() -> None:
    known = known_numbers("We inject 2 mL per point, up to 10 milligrams.", "")
    assert check("About 2 cc per spot and 10 mg at most.", known=known) == []
    assert codes(check("About 3 ml per spot.", known=known)) == ["unknown_number"]


def test_each_unknown_number_is_reported_once() -> None:
    problems = check("It is $150. Yes, $150. Or 7%.")
    assert [p.message.split('"')[1] for p in problems] == ["$150", "7%"]


def test_values_in_clinic_yml_are_known_but_comments_are_not() -> None:
    settings = 'name: "Demo"\nconsultation_fee: "$120"  # was $999 last year\n'
    known = known_numbers("", settings)
    assert "USD 120" in known
    assert "USD 999" not in known


# --- loading the documents and clinic.yml ------------------------------------------------------


def test_load_known_numbers_reads_the_txt_documents_and_the_settings(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("A 5% dextrose solution.", encoding="utf-8")
    (tmp_path / "docs" / "notes.md").write_text("Costs $500.", encoding="utf-8")
    (tmp_path / "clinic.yml").write_text('fee: "$120"\n', encoding="utf-8")
    known = load_known_numbers(tmp_path / "docs", tmp_path / "clinic.yml")
    assert known.values == frozenset({"5%", "USD 120"})


def test_missing_documents_folder_refuses_every_claim(tmp_path: Path) -> None:
    (tmp_path / "clinic.yml").write_text('fee: "$120"\n', encoding="utf-8")
    known = load_known_numbers(tmp_path / "no-such-folder", tmp_path / "clinic.yml")
    assert not known.documents_found
    problems = check("It costs $120 and uses 5% dextrose.", known=known)
    assert codes(problems) == ["unknown_number", "unknown_number"]
    assert all("documents folder was not found" in p.message for p in problems)
    assert check("No numbers here.", known=known) == []


# --- everything at once, and odd text ----------------------------------------------------------


def test_every_problem_is_returned_not_just_the_first() -> None:
    problems = check_answer(
        "<b>It costs $150</b>. Call {clinic_fone}. " + COMPLEX,
        [],
        DOCS,
        KnownNumbers(),
        ("clinic_phone",),
    )
    assert codes(problems) == ["grade", "no_source", "html", "placeholder", "unknown_number"]
    assert all(problem.message.endswith(".") for problem in problems)


@pytest.mark.parametrize(
    "text",
    [
        "Rest 😀🎉 and call us 👍.",
        "Ünïcödé ẞ text, 中文, العربية ٥ and \u202eRTL\u202c.",
        "Zero\u200bwidth and \x00 nul and a lone \ud800 surrogate.",
        "e\u0301 combining marks and ﬁ ligatures.",
    ],
)
def test_emoji_and_odd_unicode_do_not_crash(text: str) -> None:
    problems = check(text)
    assert all(isinstance(problem, Problem) for problem in problems)
    assert "empty" not in codes(problems)


# --- the clinic's real documents and answers --------------------------------------------------


# Sentences copied from the clinic's documents in docs/sources (002_… and 004_…).
REAL_SENTENCES = (
    "This therapy involves the injection of a medical-grade 5% Dextrose solution. "
    "Pain is generally reduced by 10-20% with each subsequent treatment as the tissue "
    "progressively heals. Depending on the body part, how long you have had the "
    "injury/pain for, and the individual circumstances, the “rule of thumb” is that 85% of "
    "people resolve their pain completely."
)


def test_percentages_quoted_from_the_documents_are_known() -> None:
    known = known_numbers(REAL_SENTENCES, DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    assert {"5%", "10%", "20%", "85%"} <= known.values
    assert check("The shots contain 5% dextrose; 85% clear their pain.", known=known) == []
    assert codes(check("The shots contain 10% dextrose.", known=known)) == []
    assert codes(check("The shots contain 15% dextrose.", known=known)) == ["unknown_number"]


def test_real_documents_make_their_percentages_known() -> None:
    known = load_known_numbers(SOURCES_DIR, DEFAULT_SETTINGS_PATH)
    assert known.documents_found
    assert {"5%", "10%", "20%", "85%"} <= known.values
    for invented in ("15%", "90%", "USD 150", "10 mg", "5 ml"):
        assert invented not in known


def _document_names() -> list[str]:
    return sorted(path.name for path in SOURCES_DIR.glob("*.txt"))


def _shipped_answers() -> Iterator[tuple[str, str, tuple[str, ...] | None]]:
    """(where, text, sources) for every answer we ship; sources None = all the documents.

    FAQ topics cite their own documents (metadata.sources); the other responses and the
    condition catalog's texts are checked against all of them.
    """
    for path in [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        sources: tuple[str, ...] | None = None
        if path.parent.name == "faq":
            meta = (raw.get("nlu") or [{}])[0].get("metadata") or {}
            sources = tuple(str(s) for s in meta.get("sources") or [])
        for name, variations in (raw.get("responses") or {}).items():
            for variation in variations:
                yield f"{path.name}:{name}", str(variation.get("text") or ""), sources
        for key, item in (raw.get("conditions") or {}).items():
            if item.get("says"):
                cited = tuple(str(s) for s in item.get("sources") or [])
                yield f"{path.name}:{key}", str(item["says"]), cited


SHIPPED = list(_shipped_answers())


def test_shipped_answers_were_found() -> None:
    assert len([a for a in SHIPPED if a[0].startswith("domain.yml:")]) > 40
    assert len([a for a in SHIPPED if a[2] is not None]) > 25


@pytest.mark.parametrize("where, text, sources", SHIPPED, ids=[a[0] for a in SHIPPED])
def test_shipped_answers_pass_the_number_and_html_rules(
    where: str, text: str, sources: tuple[str, ...] | None
) -> None:
    documents = _document_names()
    cited = documents if sources is None else list(sources)
    documents_text = "\n\n".join((SOURCES_DIR / name).read_text(encoding="utf-8") for name in cited)
    known = known_numbers(documents_text, DEFAULT_SETTINGS_PATH.read_text(encoding="utf-8"))
    problems = check_answer(text, cited, documents, known)
    judged = {"empty", "too_long", "html", "unknown_number", "unknown_source"}
    assert [p for p in problems if p.code in judged] == [], where


def test_faq_answers_use_only_the_clinic_placeholders() -> None:
    allowed = tuple(load_settings(DEFAULT_SETTINGS_PATH).as_slots())
    for where, text, sources in SHIPPED:
        if sources is not None:  # an FAQ topic: only clinic details are filled in there
            problems = check_answer(text, ["x"], ["x"], KnownNumbers(), allowed)
            assert "placeholder" not in codes(problems), where


def test_a_tag_needs_a_letter_after_the_bracket() -> None:
    """A tag is "<", an optional "/" or "!", then a letter: nothing else is flagged."""
    for text in ("<5", "< b", "<>", "<<", "<3", "<-"):
        assert "html" not in codes(check(f"x {text} y")), text
    for text in ("<a", "</a", "<!a", "<!--"):
        assert "html" in codes(check(f"x {text} y")), text
