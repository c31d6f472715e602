from pathlib import Path

import pytest

from bot.nlp.catalog import load_catalog, name_key
from bot.nlp.pipeline import FINGERPRINT_FILE, build_and_save, build_nlp, load_nlp


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def ents(nlp, text):
    return [(e.label_, e.ent_id_) for e in nlp(text).ents]


def test_catalog_loads_and_every_listed_condition_says_something():
    catalog = load_catalog()
    assert catalog.conditions
    for condition in catalog.listed_conditions():
        assert condition.says and condition.sources, condition.key


def test_every_catalog_name_is_recognised_as_its_condition(nlp):
    catalog = load_catalog()
    for condition in catalog.conditions.values():
        for name in condition.names:
            found = ents(nlp, f"would this help my {name}?")
            assert ("condition", condition.key) in found, (name, found)


def test_case_plural_and_misspelling_variants(nlp):
    assert ("condition", "carpal_tunnel") in ents(nlp, "WOULD THIS HELP MY CARPEL TUNNEL")
    assert ("body_part", "knee") in ents(nlp, "both my knees hurt")


def test_lemmatizer_is_real(nlp):
    assert [t.lemma_ for t in nlp("swelling fevers")] == ["swell", "fever"]


def test_odd_input_does_not_break_the_pipeline(nlp):
    for text in [
        "",
        " ",
        "🙂" * 50,
        "x" * 20000,
        "'); DROP TABLE x;--",
        "<script>alert(1)</script>",
        "\u202e\u0000",
    ]:
        nlp(text)


def test_find_condition_ignores_case_and_punctuation():
    catalog = load_catalog()
    assert catalog.find_condition("Carpal-Tunnel ").key == "carpal_tunnel"
    assert catalog.find_condition("something unknown") is None
    assert name_key("  Tennis_Elbow!! ") == "tennis elbow"


def test_build_is_skipped_when_up_to_date_and_rebuilt_when_forced(tmp_path: Path):
    target = tmp_path / "pipeline"
    assert build_and_save(target) is True
    assert build_and_save(target) is False
    (target / FINGERPRINT_FILE).write_text("stale\n")
    assert build_and_save(target) is True
    assert build_and_save(target, force=True) is True


def test_build_is_deterministic():
    a = build_nlp().get_pipe("entity_ruler").patterns
    b = build_nlp().get_pipe("entity_ruler").patterns
    assert a == b and len(a) > 0


def test_the_quick_check_agrees_with_the_pipeline_without_importing_spacy(tmp_path):
    """`make run` asks bot.nlp.pipeline_state (no spaCy import, so no TensorFlow) first."""
    import subprocess
    import sys

    from bot.nlp import pipeline_state

    target = tmp_path / "spacy_pit"
    assert not pipeline_state.is_current(target)
    build_and_save(target)
    assert pipeline_state.is_current(target)
    (target / FINGERPRINT_FILE).write_text("stale\n")
    assert not pipeline_state.is_current(target)
    check = "import sys, bot.model_store; print('spacy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr[-2000:]
