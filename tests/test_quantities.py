"""Quantities: numbers in digits and words, qualifiers, counted nouns, dates, comparisons."""

from __future__ import annotations

from datetime import date

import pytest

from annotator.quantities import (
    Quantity,
    agree,
    comparable,
    noun_key,
    parse_quantities,
    plausible_range,
)


def one(text: str, **kwargs: object) -> Quantity:
    found = [q for q in parse_quantities(text, **kwargs) if q.kind != "date"]  # type: ignore[arg-type]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "low", "high", "qualifier", "noun"),
    [
        ("clashes that have killed some 200 people", 200, 200, "about", "people"),
        ("More than 180 combatants on both sides", 180, None, "more than", "combatants"),
        ("At least 277 people have been killed", 277, None, "at least", "people"),
        ("dozens of fighters from both sides", 24, 99, "vague", "fighters"),
        ("the insurgents now control about 70 locations in", 70, 70, "about", "locations"),
        ("control approximately 70 locations in Aleppo", 70, 70, "about", "locations"),
        ("the rebels captured more than 50 towns and villages", 50, None, "more than",
         "towns and villages"),
        ("sees over 50 cities and villages captured", 50, None, "more than",
         "cities and villages"),
        ("More than half a million people have been killed", 500_000, None, "more than",
         "people"),
        ("the city of two million people followed", 2_000_000, 2_000_000, "exact", "people"),
        ("is home to more than 4 million people.", 4_000_000, None, "more than", "people"),
        ("as thousands of fighters swept through", 2000, 9999, "vague", "fighters"),
        ("killing four people, including", 4, 4, "exact", "people"),
        ("eight of them children", 8, 8, "exact", "children"),
        ("with 277 individuals killed", 277, 277, "exact", "individuals"),
        ("located about 4 kilometers from", 4, 4, "about", "kilometers"),
        ("twenty-seven villages", 27, 27, "exact", "villages"),
        ("a hundred and twenty people", 120, 120, "exact", "people"),
        ("1,200 families were displaced", 1200, 1200, "exact", "families"),
        ("between 200 and 300 people were hurt", 200, 300, "exact", "people"),
        ("up to 40 km away", None, 40, "at most", "km"),
        ("fewer than 30 soldiers", None, 30, "less than", "soldiers"),
        ("nearly 300 people", 300, 300, "about", "people"),
        ("tens of thousands of protesters", 20_000, 99_999, "vague", "protesters"),
        ("a dozen soldiers", 12, 12, "exact", "soldiers"),
        ("after blowing up two car bombs", 2, 2, "exact", "car bombs"),
    ],
)  # fmt: skip
def test_counts_are_normalised(
    text: str, low: float | None, high: float | None, qualifier: str, noun: str
) -> None:
    quantity = one(text)
    assert (quantity.low, quantity.high, quantity.qualifier, quantity.noun) == (
        low, high, qualifier, noun,
    )  # fmt: skip
    assert text[quantity.start : quantity.end] == quantity.text


def test_percent_money_and_measures() -> None:
    percent = one("turnout rose to 30% this year")
    assert (percent.kind, percent.value, percent.noun) == ("percent", 30, "percent")
    assert one("about 45 per cent of homes").kind == "percent"
    money = one("a $5 million aid package")
    assert (money.kind, money.value, money.noun) == ("money", 5_000_000, "dollars")
    assert one("2.5 miles from the edge").kind == "measure"
    war = one("Hezbollah’s two-month-long war with Israel")
    assert (war.kind, war.value, war.noun) == ("measure", 2, "month")


@pytest.mark.parametrize(
    "text",
    [
        "This offensive is one of the largest",
        "One may be forgiven for thinking twice",
        "Insurgents breached the city",
        "several towns and villages",
    ],
)
def test_no_quantity_where_there_is_none(text: str) -> None:
    assert [q for q in parse_quantities(text) if q.kind != "date"] == []


def test_dates_are_normalised_without_an_article_date() -> None:
    found = {q.text: q.date for q in parse_quantities(
        "launched on the 27th of November. On Friday, since 2016, in the 2015-16 period, "
        "on November 29, and on Nov. 30, 2024"
    )}  # fmt: skip
    assert found == {
        "27th of November": "--11-27",
        "Friday": "friday",
        "2016": "2016",
        "2015-16": "2015/2016",
        "November 29": "--11-29",
        "Nov. 30, 2024": "2024-11-30",
    }


def test_dates_are_resolved_with_the_article_date() -> None:
    friday = date(2024, 11, 29)
    found = {
        q.text: q.date
        for q in parse_quantities(
            "launched on Wednesday, the 27th of November; on Friday; yesterday", reference=friday
        )
    }
    assert found == {
        "Wednesday": "2024-11-27",
        "27th of November": "2024-11-27",
        "Friday": "2024-11-29",
        "yesterday": "2024-11-28",
    }
    # An ISO date-time string works too, and a day far after the article date is last year's.
    (december,) = parse_quantities("on the 30th of December", reference="2025-01-02T08:00:00Z")
    assert december.date == "2024-12-30"


def test_a_four_digit_number_before_a_counted_noun_is_a_count() -> None:
    (quantity,) = parse_quantities("2000 people fled")
    assert (quantity.kind, quantity.value, quantity.noun) == ("count", 2000, "people")


def test_plausible_ranges_follow_news_conventions() -> None:
    assert plausible_range(one("some 200 people")) == pytest.approx((180, 220))
    assert plausible_range(one("more than 180 combatants")) == pytest.approx((180, 216))
    assert plausible_range(one("at least 277 people")) == pytest.approx((277, 332.4))
    assert plausible_range(one("dozens of fighters")) == (24, 99)
    assert plausible_range(one("up to 50 people")) == pytest.approx((40, 50))


@pytest.mark.parametrize(
    ("a", "b", "agreed"),
    [
        ("about 70 locations", "approximately 70 locations", True),
        ("more than 50 villages", "over 50 cities and villages", True),
        ("more than 50 villages", "50 villages", True),
        ("four people", "4 people", True),
        ("some 200 people", "at least 277 people", False),
        ("more than 180 combatants", "dozens of fighters", False),
        ("at least 19 civilians", "28 civilians", False),
    ],
)
def test_agreement(a: str, b: str, agreed: bool) -> None:
    assert agree(one(a), one(b)) is agreed
    assert agree(one(b), one(a)) is agreed


def test_comparable_nouns() -> None:
    assert noun_key("towns and villages") == noun_key("villages and towns")
    assert noun_key("fighters") == noun_key("militants") == {"combatants"}
    assert comparable(one("dozens of fighters"), one("180 combatants"))
    assert comparable(one("28 civilians"), one("at least 19 civilians"))
    # People and combatants are both a death toll only when the sentences report deaths.
    assert not comparable(one("180 combatants"), one("277 people"))
    assert comparable(one("180 combatants"), one("277 people"), tolls=True)
    # Parts of a toll never compare with the whole.
    assert not comparable(one("28 civilians"), one("277 people"), tolls=True)
    assert not comparable(one("eight kids"), one("277 people"), tolls=True)
    assert not comparable(one("about 70 locations"), one("last 70 days"))
    assert not comparable(one("11 people"), one("11%"))


def test_normalised_readings() -> None:
    assert one("At least 277 people").normalised == "≥277 people"
    assert one("about 70 locations").normalised == "≈70 locations"
    assert one("dozens of fighters").normalised == "24–99 fighters"
    assert one("two million people").normalised == "2,000,000 people"
