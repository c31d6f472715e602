"""Content checks staff can rely on: plain language, sources, valid buttons, no leaks."""

import re
from collections import defaultdict

import pytest
import textstat
import yaml

from bot.content.faq import get_topics, problems
from bot.evaluation.nlu import load_examples
from bot.nlp.catalog import load_catalog
from bot.settings import PROJECT_ROOT
from bot.studio.documents import DEFAULT_DOCUMENTS_DIR

MAX_GRADE = 8.0
SOURCES_DIR = PROJECT_ROOT / DEFAULT_DOCUMENTS_DIR  # the clinic's documents, kept in the repo
SOURCE_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
REQUIRED_TOPICS = {
    "what_is_pit",
    "how_it_works",
    "vs_prolotherapy",
    "who_developed",
    "what_is_injected",
    "visit",
    "does_it_hurt",
    "side_effects",
    "safety",
    "downtime",
    "relief_timing",
    "how_many_sessions",
    "how_often",
    "success_rate",
    "is_it_a_cure",
    "conditions_treated",
    "condition_help",
    "medication",
    "research",
    "first_step",
    "cost",
    "insurance",
    "diabetes",
    "pregnancy",
    "blood_thinners",
    "preparation",
    "aftercare",
    "who_performs",
}


def all_responses():
    """(file, response name, text) for every response in the domain and the data files."""
    files = [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]
    for path in files:
        raw = yaml.safe_load(path.read_text()) or {}
        for name, variations in (raw.get("responses") or {}).items():
            for variation in variations:
                yield path.name, name, str(variation.get("text") or "")


def grade(text: str) -> float:
    plain = re.sub(r"\{[a-z_]+\}", "it", text)  # placeholders read as a short word
    return textstat.flesch_kincaid_grade(plain)


def test_every_required_topic_has_a_file():
    assert REQUIRED_TOPICS <= set(get_topics())


def test_topic_files_have_no_problems():
    assert problems(get_topics()) == []


@pytest.mark.parametrize("where, name, text", list(all_responses()), ids=lambda v: str(v)[:40])
def test_every_response_is_plain_language(where, name, text):
    assert text.strip(), f"{where}: {name} has no text"
    assert grade(text) <= MAX_GRADE, f"{where}: {name} reads at grade {grade(text):.1f}"


def test_every_topic_names_its_sources_and_review_date():
    for topic in get_topics().values():
        assert topic.last_reviewed, topic.key
        for source in topic.sources:
            if source == "clinic.yml":  # the clinic's own settings (a studio choice)
                continue
            assert SOURCE_NAME.match(source), (topic.key, source)
            assert (SOURCES_DIR / source).is_file(), (topic.key, source)
        if not topic.sources:
            assert topic.note, f"{topic.key}: no sources, so metadata.note must say why"


def test_condition_catalog_sources_exist():
    for condition in load_catalog().listed_conditions():
        for source in condition.sources:
            assert SOURCE_NAME.match(source), (condition.key, source)
            assert (SOURCES_DIR / source).is_file(), (condition.key, source)


def test_no_prices_or_doses_are_invented():
    money_or_dose = re.compile(r"[$€£]\s?\d|\d+\s?(mg|ml|mcg|dollars?|euros?)\b", re.I)
    for where, name, text in all_responses():
        assert not money_or_dose.search(text), f"{where}: {name}: {text[:80]}"


def _training_examples():
    by_text = defaultdict(set)
    for path in sorted((PROJECT_ROOT / "data").rglob("*.yml")):
        raw = yaml.safe_load(path.read_text()) or {}
        for block in raw.get("nlu") or []:
            label = block.get("intent")
            for line in str(block.get("examples") or "").splitlines():
                if line.strip().startswith("- ") and label:
                    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line.strip()[2:])
                    by_text[text.strip().lower()].add(label)
    return by_text


def test_no_training_example_belongs_to_two_intents():
    clashes = {t: sorted(ls) for t, ls in _training_examples().items() if len(ls) > 1}
    assert clashes == {}


def test_held_out_messages_are_not_in_the_training_data():
    training = _training_examples()
    leaked = [e.text for e in load_examples() if e.text.strip().lower() in training]
    assert leaked == []


def _response_names():
    names = set()
    for path in [PROJECT_ROOT / "domain.yml", *sorted((PROJECT_ROOT / "data").rglob("*.yml"))]:
        names |= set((yaml.safe_load(path.read_text()) or {}).get("responses") or {})
    return names


def _actions_source():
    return "\n".join(p.read_text() for p in sorted((PROJECT_ROOT / "actions").rglob("*.py")))


def test_every_response_is_sent_by_a_rule_or_an_action():
    """Rasa's validator cannot see responses sent by custom actions; this check can.
    (FAQ answers are sent by topic; utter_ask_<slot> prompts by forms.)"""
    rules = "\n".join(p.read_text() for p in sorted((PROJECT_ROOT / "data").rglob("*.yml")))
    actions = _actions_source()
    unused = sorted(
        name
        for name in _response_names()
        if not name.startswith(("utter_faq/", "utter_ask_"))
        and name not in rules
        and f'"{name}' not in actions
        and f"'{name}" not in actions
    )
    assert unused == []


def test_every_response_an_action_sends_exists():
    sent = set(re.findall(r'response\s*=\s*"(utter_[a-z_]+)"', _actions_source()))
    assert sent, "no responses found in actions"
    assert sorted(sent - _response_names()) == []
