"""Ingest: decoding, normalisation, boilerplate removal, metadata, and the five seeds."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotator import ingest
from annotator.ingest import (
    IngestError,
    article_id,
    clean_text,
    collect_paths,
    normalise_text,
    parse_article,
    read_article,
)
from annotator.model import Article

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BODY = "The insurgents entered the city on Friday after a surprise offensive, monitors said."


def seed(number: int) -> Article:
    (path,) = SEEDS.glob(f"{number:03d}_*.txt")
    return read_article(path)


def lines(article: Article) -> list[str]:
    return article.text.split("\n")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def reason(error: pytest.ExceptionInfo[IngestError]) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


# --------------------------------------------------------------------------- the seeds

SEED_METADATA = [
    (0, "Insurgents Breach Syria’s Second-Largest City Aleppo in Shock Offensive", "", ""),
    (1, "Insurgents Breach Aleppo: Heavy Clashes Erupt in Syria’s Second-Largest City", "", ""),
    (2, "Syrian insurgents enter Aleppo", "North London Collegiate School Jeju", "Jaehoon Song"),
    (
        3,
        "Syrian opposition groups have breached Syria’s second-largest city, Aleppo, "
        "after blowing up two car bombs and…",
        "Worthy News",
        "Stefan J. Bos",
    ),
    (
        4,
        "Syrian insurgent forces ‘management half of Aleppo’ after large assault: Islamist "
        "insurgents’ shock offensive sees over 50 cities and villages captured – with 277 "
        "individuals killed, together with eight kids",
        "London24NEWS",
        "",
    ),
]


@pytest.mark.parametrize(("number", "title", "outlet", "byline"), SEED_METADATA)
def test_seed_metadata(number: int, title: str, outlet: str, byline: str) -> None:
    article = seed(number)
    assert (article.title, article.outlet, article.byline) == (title, outlet, byline)
    assert (article.published, article.url) == ("", "")
    assert article.decoded_with_replacement is False
    assert article.source_path.endswith(".txt")


@pytest.mark.parametrize("number", range(5))
def test_seed_text_is_normalised_and_its_own_id(number: int) -> None:
    article = seed(number)
    assert article.id == article_id(article.text)
    assert article.id == hashlib.sha256(article.text.encode()).hexdigest()
    assert normalise_text(article.text) == article.text
    assert "\u00a0" not in article.text
    assert "\n\n\n" not in article.text
    assert all(line == line.strip() for line in lines(article))


def test_seed_ids_are_distinct_and_stable() -> None:
    first = [seed(n).id for n in range(5)]
    assert len(set(first)) == 5
    assert [seed(n).id for n in range(5)] == first


def test_seed_000_run_on_title_and_comment_block_are_dropped() -> None:
    article = seed(0)
    assert lines(article)[0] == SEED_METADATA[0][1]
    assert lines(article)[2].startswith("BEIRUT — Insurgents breached Syria’s second-largest")
    assert lines(article)[-1].endswith(
        "the United States has supported Syrian Kurdish forces fighting Islamic State militants."
    )
    assert (
        "The aim of the offensive was to reestablish the boundaries of the de-escalation "
        "zone, according to Turkish officials." in lines(article)
    )
    assert article.dropped == (
        "NewsInsurgents Breach Syria’s Second-Largest City Aleppo in Shock Offensive",
        "» …",
        "LEAVE A REPLY",
        "Please enter your comment!",
        "Please enter your name here",
        "Subscribe Today",
        "GET EXCLUSIVE FULL ACCESS TO PREMIUM CONTENT",
        "SUPPORT NONPROFIT JOURNALISM",
        "EXPERT ANALYSIS OF AND EMERGING TRENDS IN CHILD WELFARE AND JUVENILE JUSTICE",
        "TOPICAL VIDEO WEBINARS",
        "Get unlimited access to our EXCLUSIVE Content and our archive of subscriber stories.",
        "Exclusive content",
        "Latest article",
        "More article",
    )
    assert "NewsInsurgents" not in article.text
    assert article.text.count("\n\n") == 12  # title + 12 paragraphs


def test_seed_001_keeps_every_line() -> None:
    article = seed(1)
    raw = (SEEDS / "001_ceeb9f20520b1242.txt").read_text(encoding="utf-8")
    assert article.dropped == ()
    assert article.text == raw
    assert lines(article)[-1] == (
        "As the fighting continues to intensify, the situation in Aleppo and surrounding "
        "areas remains volatile, with no clear end in sight."
    )


def test_seed_002_caption_dropped_signature_taken_as_metadata() -> None:
    article = seed(2)
    assert article.dropped == ("[A map of Syria showing Aleppo. Source: Pixabay]",)
    assert lines(article)[:2] == [
        "Syrian insurgents enter Aleppo",
        "Syrian opposition forces have entered Aleppo just three days after a surprise "
        "offensive launched on the 27th of November.",
    ]
    assert lines(article)[-1] == (
        "During the offensive, the opposition groups also seized heavy weapons and military "
        "vehicles belonging to government forces."
    )
    assert "Jaehoon Song" not in article.text
    assert "North London Collegiate School" not in article.text
    assert any(line.startswith("In a video statement, Lt. Col. Hassan") for line in lines(article))
    assert len(lines(article)) == 20  # 23 lines less the caption and the signature


def test_seed_003_byline_removed_wrap_joined_list_dropped() -> None:
    article = seed(3)
    assert lines(article)[0].startswith(
        "DAMASCUS/JERUSALEM (Worthy News) – Syrian opposition groups have breached"
    )
    assert "By Stefan" not in article.text
    assert lines(article)[-1] == (
        "This week’s advances were one of the largest by opposition factions and amounted to "
        "the most intense fighting in northwestern Syria since 2020, when government forces "
        "seized areas previously controlled by opposition fighters."
    )
    assert "INSURGENT COMMANDER" in lines(article)
    assert "REMAINING STRONGHOLD" in lines(article)
    assert (
        "Among those fleeing are also thousands of Christians, Worthy News established."
        in lines(article)
    )
    assert article.dropped[:2] == (
        "Copyright 1999-2024 Worthy News. This article was originally published on Worthy News "
        "and was reproduced with permission.",
        "Latest Stories from Worthy News",
    )
    assert len(article.dropped) == 7
    assert article.dropped[-1].startswith("Setting a benchmark for jurisdictions worldwide")
    assert "Saudi Arabia" not in article.text
    assert "Starbucks" not in article.text
    assert article.text.count("Syrian opposition groups have breached") == 1


CAPTIONS_004 = [
    "Anti regime fighters hold a position on the outskirts of the northern Syrian city of "
    "Aleppo on November 29",
    "Insurgents led by the Islamist militant group Hayat Tahrir al-Sham have been clashing "
    "with government forces on the city's western edge",
    "A picture taken from the area of New Aleppo shows smoke rising during clashes between "
    "jihadists and Syrian soldiers in the northern city of Aleppo on November 29",
    "An injured fighter holds a position with a fellow militant on the outskirts of the "
    "northern city of Aleppo on November 29",
    "A damaged vehicle belonging to the Syrian Government troops, seen in Kafr Halab, Aleppo "
    "countryside",
    "Smoke rises in the distance as anti-regime fighters hold a position on the outskirts of "
    "the northern city of Aleppo on November 29",
    "Syrian opposition fighters stand guard in Kafr Halab, Aleppo countryside",
]


def test_seed_004_keeps_first_copy_of_each_caption() -> None:
    article = seed(4)
    assert lines(article)[0] == SEED_METADATA[4][1]
    assert "London24NEWS" not in article.text
    for caption in CAPTIONS_004:
        assert lines(article).count(caption) == 1, caption
    assert "city’s western edge" not in article.text.replace("on the city’s western edge,", "")
    assert len(article.dropped) == 11
    assert article.dropped[:2] == (CAPTIONS_004[0], CAPTIONS_004[1].replace("'", "’"))
    assert lines(article)[2] == (
        "Islamic insurgents now control half of the Syrian city of Aleppo following a shock "
        "offensive earlier this week, a war monitor has said."
    )
    assert lines(article)[-1].startswith("‘The assassination of Soleimani in 2020")
    assert (
        "‘Of course, this is a violation of Syria’s sovereignty in this region,’ Peskov said."
        in lines(article)
    )


# --------------------------------------------------------------------------- identity


def test_same_text_same_id_and_different_text_different_id() -> None:
    text = f"Headline\n\n{BODY}"
    assert parse_article(text).id == parse_article(text).id
    assert parse_article(text).id != parse_article(text + " Extra.").id
    assert article_id("abc") == hashlib.sha256(b"abc").hexdigest()


def test_rereading_a_file_gives_the_same_id(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", f"Headline\n\n{BODY}\n")
    assert read_article(path).id == read_article(path).id


@pytest.mark.parametrize(
    "variant",
    [
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text.replace("\n", "\r"),
        lambda text: "\ufeff" + text,
        lambda text: text.replace("\n", "  \n") + "\n\n\n",
    ],
    ids=["crlf", "cr", "bom", "trailing-space"],
)
def test_line_ending_and_bom_variants_get_the_same_id(tmp_path: Path, variant: object) -> None:
    assert callable(variant)
    text = f"Headline\n\n{BODY}\nSecond line of the body.\n"
    plain = read_article(write(tmp_path, "plain.txt", text))
    other = read_article(write(tmp_path, "other.txt", variant(text)))
    assert other.text == plain.text
    assert other.id == plain.id


def test_crlf_seed_copy_has_the_seed_id(tmp_path: Path) -> None:
    raw = (SEEDS / "003_6ff3fa6f71314818.txt").read_bytes()
    copy = write(tmp_path, "copy.txt", raw.replace(b"\n", b"\r\n"))
    assert read_article(copy).id == seed(3).id


# --------------------------------------------------------------------------- normalisation


def test_control_characters_are_stripped() -> None:
    raw = "a\x00b\x01c\x08d\x1be\x1ff\x7fg\x80h\x9fi\tj"
    assert normalise_text(raw) == "abcdefghi j"


def test_line_separators_become_line_breaks() -> None:
    assert normalise_text("one\x0btwo\x0cthree\x85four\u2028five") == "one\ntwo\nthree\nfour\nfive"
    assert normalise_text("para one\u2029para two") == "para one\n\npara two"


@pytest.mark.parametrize(
    "code", [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2069]
)
def test_bidi_controls_are_made_visible(code: int) -> None:
    assert normalise_text(f"abc{chr(code)}def") == f"abc⟦U+{code:04X}⟧def"


def test_rtl_override_marker_in_article() -> None:
    article = parse_article(f"Headline\n\nThe file is named evil\u202etxt.exe here. {BODY}")
    assert "evil⟦U+202E⟧txt.exe" in article.text
    assert "\u202e" not in article.text


def test_zero_width_characters_are_removed() -> None:
    assert normalise_text("in\u200bvis\u200cible\u200d\u2060\ufeff soft\u00adhyphen") == (
        "invisible softhyphen"
    )


def test_odd_spaces_and_runs_collapse_to_one_space() -> None:
    assert normalise_text("a\u00a0b\u2009c\u3000d\u202fe  \t f   ") == "a b c d e f"


def test_blank_line_runs_collapse_and_ends_are_trimmed() -> None:
    assert normalise_text("\n\n  \n first \n\n\n\n second\n \n\n") == "first\n\nsecond"


@given(st.text())
def test_normalise_is_idempotent(raw: str) -> None:
    once = normalise_text(raw)
    assert normalise_text(once) == once
    assert article_id(raw) == article_id(once)


def test_markup_and_escape_sequences_stay_literal() -> None:
    raw = (
        "Headline\n\n"
        "[b]x[/b] and [@click=app.quit] stay as they are.\n"
        "[b]x[/b]\n"
        "[@click=app.quit]\n"
        "\x1b[31mRed text\x1b[0m follows here.\n"
        "\x1b]0;title\x07After the OSC sequence.\n"
    )
    article = parse_article(raw)
    assert lines(article) == [
        "Headline",
        "",
        "[b]x[/b] and [@click=app.quit] stay as they are.",
        "[b]x[/b]",
        "[@click=app.quit]",
        "[31mRed text[0m follows here.",
        "]0;titleAfter the OSC sequence.",
    ]
    assert "\x1b" not in article.text
    assert "\x07" not in article.text
    assert article.dropped == ()


# --------------------------------------------------------------------------- hard wraps


def test_hard_wrapped_line_is_joined() -> None:
    text, _ = clean_text("Headline\n\nThe most intense fighting in\nnorthwestern Syria since 2020.")
    assert text == "Headline\n\nThe most intense fighting in northwestern Syria since 2020."


@pytest.mark.parametrize(
    "raw",
    [
        "Rebels enter Aleppo\nTroops withdrew overnight.",  # next line capitalised
        "Rebels entered Aleppo.\nthen the troops withdrew.",  # sentence ended
        "He said: “We will stay”\nbut later left.",  # closing quote ends a sentence
        "Rebels enter Aleppo\n\ntroops withdrew overnight.",  # paragraph break
    ],
)
def test_line_breaks_that_are_not_hard_wraps_stay(raw: str) -> None:
    assert clean_text(raw)[0] == normalise_text(raw)


# --------------------------------------------------------------------------- boilerplate


@pytest.mark.parametrize(
    "prompt",
    [
        "Please enter your comment!",
        "Please enter your name here",
        "Subscribe Today",
        "Subscribe",
        "GET EXCLUSIVE FULL ACCESS TO PREMIUM CONTENT",
        "SUPPORT NONPROFIT JOURNALISM",
        "Get unlimited access to all our stories for $1.",
        "Exclusive content",
        "Latest article",
        "More articles",
        "Share this",
        "Share this article:",
        "Click to share on Facebook (Opens in new window)",
        "Comments",
        "12 Comments",
        "Read more",
        "Read more: Why Aleppo matters",
        "Sign up for our daily newsletter",
        "Follow us on X and Instagram",
        "Copyright 2024 Example Press. All rights reserved.",
        "© 2024 Example Press",
        "Advertisement",
        "[…]",
        "…",
        "» …",
        "* * *",
    ],
)
def test_prompt_lines_are_dropped(prompt: str) -> None:
    text, dropped = clean_text(f"Headline\n\n{BODY}\n\n{prompt}\n\nThe last real sentence.")
    assert dropped == (prompt,)
    assert text == f"Headline\n\n{BODY}\n\nThe last real sentence."


@pytest.mark.parametrize(
    "sentence",
    [
        "Subscribers to the service were told to wait.",
        "Comments by the minister angered Damascus.",
        "Follow-up talks are planned for Monday.",
        "Read more than 500 pages of the report before judging.",
        "Copyright law was not the issue, the lawyer said.",
        "Share prices fell in Istanbul.",
        "Related talks in Astana failed.",
        "More from the minister is expected on Monday.",
        "Latest Stories from the front are grim.",
    ],
)
def test_sentences_that_look_like_prompts_are_kept(sentence: str) -> None:
    text, dropped = clean_text(f"Headline\n\n{BODY}\n\n{sentence}\n\nThe last real sentence.")
    assert dropped == ()
    assert sentence in text.split("\n")


@pytest.mark.parametrize(
    "heading",
    ["LEAVE A REPLY", "Latest Stories from Example Press", "Related stories", "More from Syria"],
)
def test_tail_heading_drops_everything_after_it(heading: str) -> None:
    raw = f"Headline\n\n{BODY}\n\n{heading}\nOther story one.\n\nOther story two, at length."
    text, dropped = clean_text(raw)
    assert text == f"Headline\n\n{BODY}"
    assert dropped == (heading, "Other story one.", "Other story two, at length.")


def test_tail_heading_before_the_body_drops_only_itself() -> None:
    text, dropped = clean_text(f"Related stories\n\nHeadline\n\n{BODY}")
    assert dropped == ("Related stories",)
    assert text == f"Headline\n\n{BODY}"


def test_repeated_caption_dropped_even_with_other_apostrophe() -> None:
    caption = "Fighters hold a position on the city's western edge"
    raw = f"Headline\n\n{caption}\n\n{caption.replace(chr(39), '’')}\n\n{BODY}\n\n{caption}"
    text, dropped = clean_text(raw)
    assert text == f"Headline\n\n{caption}\n\n{BODY}"
    assert dropped == (caption.replace("'", "’"), caption)


def test_short_repeated_lines_are_kept() -> None:
    raw = f"Headline\n\nQ: Why?\n\n{BODY}\n\nQ: Why?\n\nAnswer here."
    text, dropped = clean_text(raw)
    assert dropped == ()
    assert text.count("Q: Why?") == 2


def test_bracketed_image_caption_dropped_but_markup_kept() -> None:
    raw = (
        "Headline\n[A map of Syria showing Aleppo. Source: Pixabay]\n"
        "[Editor's note follows below]\n[b]Bold[/b]\n" + BODY
    )
    text, dropped = clean_text(raw)
    assert dropped == ("[A map of Syria showing Aleppo. Source: Pixabay]",)
    assert "[Editor's note follows below]" in text.split("\n")
    assert "[b]Bold[/b]" in text.split("\n")


def test_title_run_on_dropped_and_clean_title_used() -> None:
    raw = f"WorldRebels take the city centre\n\nRebels take the city centre\n\n{BODY}"
    article = parse_article(raw)
    assert article.dropped == ("WorldRebels take the city centre",)
    assert article.title == "Rebels take the city centre"
    assert lines(article)[0] == "Rebels take the city centre"


def test_run_on_needs_a_real_headline_below() -> None:
    text, dropped = clean_text(f"Breaking news\nnews\n\n{BODY}")
    assert dropped == ()
    assert text.startswith("Breaking news news")  # a hard wrap, joined


# --------------------------------------------------------------------------- metadata


def test_byline_with_date_becomes_metadata() -> None:
    article = parse_article(f"Rebels enter Aleppo\nBy Jane Doe | 29 November 2024\n\n{BODY}")
    assert (article.byline, article.published) == ("Jane Doe", "2024-11-29")
    assert article.text == f"Rebels enter Aleppo\n\n{BODY}"
    assert article.dropped == ()


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("Published: 2024-11-29 10:30 GMT", "2024-11-29"),
        ("Friday, November 29, 2024", "2024-11-29"),
        ("Updated 3rd of December 2024", "2024-12-03"),
    ],
)
def test_pure_date_line_becomes_published(line: str, iso: str) -> None:
    article = parse_article(f"Rebels enter Aleppo\n{line}\n\n{BODY}")
    assert article.published == iso
    assert article.text == f"Rebels enter Aleppo\n\n{BODY}"


def test_dates_inside_sentences_are_not_taken() -> None:
    article = parse_article(f"Rebels enter Aleppo\n\nOn 29 November 2024 the rebels came. {BODY}")
    assert article.published == ""
    assert "On 29 November 2024 the rebels came." in article.text


def test_bare_url_line_becomes_url() -> None:
    article = parse_article(f"https://example.com/news/aleppo?id=1\nRebels enter Aleppo\n{BODY}")
    assert article.url == "https://example.com/news/aleppo?id=1"
    assert article.text == f"Rebels enter Aleppo\n{BODY}"


def test_sentence_starting_with_by_is_not_a_byline() -> None:
    sentence = "By Friday, the insurgents had taken the airport."
    article = parse_article(f"Rebels enter Aleppo\n{sentence}\n{BODY}")
    assert article.byline == ""
    assert sentence in lines(article)


@pytest.mark.parametrize(
    ("first", "outlet"),
    [("London24NEWS", "London24NEWS"), ("example.com", "example.com"), ("Breaking", "")],
)
def test_brand_like_first_line_is_the_outlet(first: str, outlet: str) -> None:
    article = parse_article(f"{first}\n\nRebels enter Aleppo\n\n{BODY}")
    assert article.outlet == outlet
    assert (first in lines(article)) is (outlet == "")


def test_dateline_names_the_outlet() -> None:
    article = parse_article(f"BEIRUT (Reuters) — {BODY}")
    assert article.outlet == "Reuters"
    assert article.title == BODY.rstrip(".")


def test_copyright_line_names_the_outlet() -> None:
    article = parse_article(f"Rebels enter Aleppo\n\n{BODY}\n\nCopyright © 2024 Example Press.")
    assert article.outlet == "Example Press"
    assert article.dropped == ("Copyright © 2024 Example Press.",)


def test_no_evidence_no_outlet() -> None:
    assert parse_article(f"Rebels enter Aleppo\n{BODY}").outlet == ""


def test_title_from_first_sentence_is_cut_at_a_word_boundary() -> None:
    long = " ".join(["word"] * 40) + ". Second sentence."
    title = parse_article(long).title
    assert len(title) <= 120
    assert title.endswith("word…")
    assert parse_article("Mr. Smith went to Aleppo. He stayed.").title == (
        "Mr. Smith went to Aleppo"
    )


def test_markdown_heading_is_the_title_and_stays_in_the_text() -> None:
    article = parse_article(f"# Rebels enter Aleppo\n\n{BODY}")
    assert article.title == "Rebels enter Aleppo"
    assert lines(article)[0] == "# Rebels enter Aleppo"


def test_headline_with_abbreviation_is_still_a_headline() -> None:
    assert parse_article(f"U.S. Senate condemns the offensive\n{BODY}").title == (
        "U.S. Senate condemns the offensive"
    )


def test_nothing_left_after_cleaning_is_refused() -> None:
    with pytest.raises(IngestError) as error:
        parse_article("Subscribe Today\n\nLEAVE A REPLY", source_path="x.txt")
    assert reason(error) == "x.txt: no article text left after cleaning"
    with pytest.raises(IngestError) as error:
        parse_article(" \n\u200b\n\t")
    assert reason(error) == "<text>: empty file"


# --------------------------------------------------------------------------- reading files


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t ", b"\xef\xbb\xbf\n"])
def test_empty_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path, "empty.txt", content)
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: empty file"


def test_binary_file_with_nul_bytes_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: binary file (contains NUL bytes)"


def test_binary_file_of_control_bytes_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.txt", bytes([1, 2, 3, 4, 5, 65, 66]) * 100)
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: binary file (mostly non-text bytes)"


def test_mostly_invalid_utf8_is_refused_as_binary(tmp_path: Path) -> None:
    path = write(tmp_path, "blob.txt", bytes(range(0x80, 0x100)) * 20)
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: binary file (mostly invalid UTF-8)"


def test_invalid_utf8_is_decoded_with_replacement_and_flagged(tmp_path: Path) -> None:
    path = write(tmp_path, "latin1.txt", f"Rebels enter Aleppo\n\nCaf\xe9 {BODY}".encode("latin-1"))
    article = read_article(path)
    assert article.decoded_with_replacement is True
    assert "Caf\ufffd The insurgents" in article.text


def test_valid_utf8_is_not_flagged(tmp_path: Path) -> None:
    article = read_article(write(tmp_path, "ok.txt", f"Rebels enter Aleppo\n\nCafé {BODY}"))
    assert article.decoded_with_replacement is False
    assert "Café" in article.text


def test_utf16_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "wide.txt", f"Headline\n\n{BODY}".encode("utf-16"))
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: UTF-16 text is not supported; save the file as UTF-8"


def test_file_over_the_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.txt", "Headline\n\n" + "x" * (1_000_001 - 10))
    assert len(path.read_text(encoding="utf-8")) == 1_000_001
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == (
        f"{path}: too large: 1,000,001 characters, the limit is 1,000,000 characters"
    )


def test_file_at_the_limit_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ingest, "MAX_CHARS", 40)
    exact = write(tmp_path, "exact.txt", "Rebels enter Aleppo\n\nThey came on Friday")
    assert len(exact.read_text(encoding="utf-8")) == 40
    assert read_article(exact).title == "Rebels enter Aleppo"
    over = write(tmp_path, "over.txt", "Rebels enter Aleppo\n\nThey came on Friday.")
    with pytest.raises(IngestError, match="41 characters, the limit is 40 characters"):
        read_article(over)


def test_many_bytes_are_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest, "MAX_CHARS", 10)
    path = write(tmp_path, "big.txt", "y" * 41)
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: too large: 41 bytes, the limit is 10 characters"


def test_missing_file_and_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as error:
        read_article(tmp_path / "nope.txt")
    assert reason(error) == f"{tmp_path / 'nope.txt'}: no such file"
    with pytest.raises(IngestError) as error:
        read_article(tmp_path)
    assert reason(error) == f"{tmp_path}: is a folder, not a file"


def test_unreadable_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.txt", f"Headline\n\n{BODY}")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error) == f"{path}: cannot read (permission denied)"
    monkeypatch.setattr(os, "access", lambda *_args, **_kwargs: False)
    assert collect_paths([path]) == ([], [f"{path}: cannot read (permission denied)"])


def test_error_with_a_hostile_path_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname\x1b[31m.txt"
    with pytest.raises(IngestError) as error:
        read_article(path)
    assert reason(error).endswith("bad\\x0aname\\x1b[31m.txt: no such file")
    assert error.value.path == str(path)
    assert error.value.reason == "no such file"


def test_read_article_records_source_path(tmp_path: Path) -> None:
    path = write(tmp_path, "a.md", f"Headline\n\n{BODY}")
    assert read_article(path).source_path == str(path)
    assert read_article(str(path)).source_path == str(path)


# --------------------------------------------------------------------------- collecting paths


def test_folder_is_expanded_sorted_skipping_hidden_and_unsupported(tmp_path: Path) -> None:
    for name in ["b.txt", "a.md", "c.markdown", "E.TXT", "d.pdf", ".hidden.txt", "notes"]:
        write(tmp_path, name, "x")
    (tmp_path / "sub.txt").mkdir()
    write(tmp_path / "sub.txt", "inner.txt", "x")
    files, errors = collect_paths([tmp_path])
    assert errors == []
    assert [f.name for f in files] == ["E.TXT", "a.md", "b.txt", "c.markdown"]
    assert all(f.parent == tmp_path for f in files)


def test_explicit_files_are_kept_whatever_their_suffix(tmp_path: Path) -> None:
    pdf, readme = write(tmp_path, "d.pdf", "x"), write(tmp_path, "README", "x")
    assert collect_paths([pdf, str(readme)]) == ([pdf, readme], [])


def test_missing_paths_give_one_line_errors_and_the_rest_is_kept(tmp_path: Path) -> None:
    good = write(tmp_path, "good.txt", "x")
    missing = tmp_path / "missing.txt"
    files, errors = collect_paths([missing, good, "", tmp_path / "gone"])
    assert files == [good]
    assert errors == [
        f"{missing}: no such file or folder",
        "'': empty path",
        f"{tmp_path / 'gone'}: no such file or folder",
    ]


def test_folder_without_articles_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "image.png", "x")
    assert collect_paths([tmp_path]) == (
        [],
        [f"{tmp_path}: no article files (.txt, .md, .markdown) in folder"],
    )


def test_a_file_reached_twice_is_listed_once(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "x")
    assert collect_paths([path, tmp_path, str(path)]) == ([path], [])


def test_seeds_folder_gives_the_five_seeds_in_order() -> None:
    files, errors = collect_paths([SEEDS])
    assert errors == []
    assert [f.name[:3] for f in files] == ["000", "001", "002", "003", "004"]
