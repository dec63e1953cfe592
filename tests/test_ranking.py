"""Ranking rules: primary need first, likeness, distance for visits, load, inactive sites."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

import pytest

from classify import Analysis, KindVerdict, RankingWeights, Requester, load_sites, rank_sites
from classify.geo import Gazetteer, GazetteerEntry, default_gazetteer
from classify.sites import SiteDirectory, parse_sites

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
WEIGHTS = RankingWeights()

# A tiny gazetteer with known places keeps distances exact and the tests quick.
PLACES = Gazetteer(
    [
        GazetteerEntry("Hartford", "CT", 41.7637, -72.6851, 121_000),
        GazetteerEntry("Boston", "MA", 42.3601, -71.0589, 650_000),
        GazetteerEntry("Phoenix", "AZ", 33.4484, -112.0740, 1_600_000),
        GazetteerEntry("Mesa", "AZ", 33.4152, -111.8315, 500_000),
        GazetteerEntry("Elko", "NV", 40.8324, -115.7631, 20_000),
        GazetteerEntry("Sparks", "NV", 39.5349, -119.7527, 100_000),
    ]
)


def site(
    site_id: str,
    teaches: str,
    *,
    topics: str = "",
    city: str = "Boston",
    state: str = "MA",
    lat: float = 42.36,
    lon: float = -71.06,
    extra: str = "",
) -> str:
    return f"""
[[site]]
id = "{site_id}"
name = "{site_id.title()} Police Department"
city = "{city}"
state = "{state}"
lat = {lat}
lon = {lon}
population_served = 300000
{extra}
[site.specializations]
{teaches}
[site.topics]
{topics}
"""


def directory(*entries: str) -> SiteDirectory:
    built = parse_sites("".join(entries))
    assert built.problems == (), built.problems
    return built


def request(
    needs: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    ta: tuple[str, ...] = (),
    **who: str,
) -> Analysis:
    return Analysis(
        kind=KindVerdict("request", "test"),
        requester=Requester(**who),
        specializations=needs,
        topics=topics,
        ta_types=ta,
    )


def ids(suggestions: tuple) -> list[str]:
    return [s.site_id for s in suggestions]


# -- the shipped directory on requests written for these tests ----------------------------


@pytest.fixture(scope="module")
def shipped() -> SiteDirectory:
    return load_sites(REPO / "sites.toml")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def test_a_campus_department_is_pointed_to_the_university_site(shipped, gazetteer) -> None:
    ask = request(("cit",), ("campus",), ("call",), agency_type="campus", city="Ames", state="IA")
    ranking = rank_sites(ask, shipped, WEIGHTS, {}, places=gazetteer)
    assert ranking[0].site_id == "univ_florida"
    assert "also a campus agency" in ranking[0].reasons


def test_a_rural_sheriff_is_pointed_to_the_sheriffs_office(shipped, gazetteer) -> None:
    ask = request(("cit",), ("rural",), ("email",), agency_type="sheriff", city="Hays", state="KS")
    ranking = rank_sites(ask, shipped, WEIGHTS, {}, places=gazetteer)
    assert ranking[0].site_id == "madison_county_tn"
    assert any("sheriff's office" in reason for reason in ranking[0].reasons)
    assert ranking[0].components["similarity"] == pytest.approx(WEIGHTS.similarity)


def test_the_only_site_with_a_rare_need_is_first_even_far_away(shipped, gazetteer) -> None:
    ask = request(("mh_liaison", "cit"), (), ("site_visit",), city="Bangor", state="ME")
    ranking = rank_sites(ask, shipped, WEIGHTS, {}, places=gazetteer)
    assert ranking[0].site_id == "madison_wi"
    assert ranking[1].site_id != "madison_wi" and len(ranking) == 3


# -- single rules on small directories -------------------------------------------------------


def test_a_visit_favours_the_nearer_of_two_equal_sites() -> None:
    sites = directory(
        site("east", "co_responder = 1.0"),
        site("west", "co_responder = 1.0", city="Phoenix", state="AZ", lat=33.45, lon=-112.07),
    )
    near_east = request(("co_responder",), (), ("site_visit",), city="Hartford", state="CT")
    near_west = request(("co_responder",), (), ("site_visit",), city="Mesa", state="AZ")
    assert ids(rank_sites(near_east, sites, WEIGHTS, {}, places=PLACES)) == ["east", "west"]
    assert ids(rank_sites(near_west, sites, WEIGHTS, {}, places=PLACES)) == ["west", "east"]
    first = rank_sites(near_east, sites, WEIGHTS, {}, places=PLACES)[0]
    assert "about 95 miles away" in first.reasons


def test_distance_counts_only_when_a_visit_is_wanted() -> None:
    sites = directory(
        site("east", "co_responder = 1.0"),
        site("west", "co_responder = 1.0", city="Phoenix", state="AZ", lat=33.45, lon=-112.07),
    )
    by_call = request(("co_responder",), (), ("call",), city="Mesa", state="AZ")
    ranking = rank_sites(by_call, sites, WEIGHTS, {}, places=PLACES)
    assert all("distance" not in s.components for s in ranking)
    assert not any("miles" in reason for s in ranking for reason in s.reasons)
    assert ranking[0].score == ranking[1].score


def test_an_unknown_city_falls_back_to_its_state() -> None:
    sites = directory(
        site("reno", "cit = 1.0", city="Sparks", state="NV", lat=39.53, lon=-119.75),
        site("boston", "cit = 1.0"),
    )
    ask = request(("cit",), (), ("site_visit",), city="Nowhereville", state="Nevada")
    ranking = rank_sites(ask, sites, WEIGHTS, {}, places=PLACES)
    assert ranking[0].site_id == "reno"
    assert any("miles from the middle of NV" in reason for reason in ranking[0].reasons)


def test_the_primary_need_is_weighted_most() -> None:
    # Same strengths, swapped: the site strong in the primary need wins.
    swapped = directory(
        site("primary", "follow_up = 1.0\ncit = 0.3"),
        site("secondary", "follow_up = 0.3\ncit = 1.0"),
    )
    ask = request(("follow_up", "cit"))
    ranking = rank_sites(ask, swapped, WEIGHTS, {}, places=PLACES)
    assert ids(ranking) == ["primary", "secondary"]
    assert ranking[0].components["primary"] > ranking[1].components["primary"]
    assert ranking[1].components["secondary"] > ranking[0].components["secondary"]
    # A model program for the primary need beats a fair one at an agency just like the requester.
    alike = directory(
        site("model", "follow_up = 1.0"),
        site(
            "fair_but_alike", "follow_up = 0.6", extra='agency_type = "sheriff"\nsetting = "rural"'
        ),
    )
    sheriff = request(("follow_up",), ("rural",), (), agency_type="sheriff")
    assert ids(rank_sites(sheriff, alike, WEIGHTS, {}, places=PLACES)) == [
        "model",
        "fair_but_alike",
    ]


def test_a_site_without_the_primary_need_never_outranks_one_with_it() -> None:
    weights = RankingWeights(similarity=50.0, topic=50.0)
    weak = site("weak", "dispatch = 0.1")
    alike = site(
        "alike",
        "cit = 1.0",
        topics="rural = 1.0",
        extra='agency_type = "sheriff"\nsetting = "rural"',
    )
    ask = request(("dispatch", "cit"), ("rural",), (), agency_type="sheriff")
    ranking = rank_sites(ask, directory(weak, alike), weights, {}, places=PLACES)
    assert ids(ranking) == ["weak", "alike"]
    assert ranking[1].score > ranking[0].score  # the tier, not the score, puts it second
    assert ranking[1].reasons[0] == "no 911 call triage program, but teaches other needs"


def test_recent_load_gently_spreads_the_work() -> None:
    sites = directory(site("busy", "cit = 1.0"), site("idle", "cit = 1.0"))
    ask = request(("cit",))
    assert ids(rank_sites(ask, sites, WEIGHTS, {"busy": 3}, places=PLACES)) == ["idle", "busy"]
    busy = rank_sites(ask, sites, WEIGHTS, {"busy": 3}, places=PLACES)[1]
    assert "suggested 3 times in the last 30 days" in busy.reasons
    # Gently: a much better fit stays first however often it was suggested lately.
    better = directory(site("strong", "cit = 1.0"), site("weak", "cit = 0.5"))
    assert ids(rank_sites(ask, better, WEIGHTS, {"strong": 40}, places=PLACES))[0] == "strong"


def test_an_inactive_site_is_never_suggested() -> None:
    sites = directory(
        site("resting", "mobile_crisis = 1.0", extra="active = false"),
        site("other", "mobile_crisis = 0.4"),
    )
    assert ids(rank_sites(request(("mobile_crisis",)), sites, WEIGHTS, {}, places=PLACES)) == [
        "other"
    ]


def test_sites_that_teach_none_of_the_needs_or_give_no_wanted_ta_are_left_out() -> None:
    sites = directory(
        site("cit_only", "cit = 1.0"),
        site("no_visits", "dispatch = 1.0", extra='ta_offered = ["email"]'),
        site("visits", "dispatch = 0.5"),
    )
    ranking = rank_sites(
        request(("dispatch",), (), ("site_visit",)), sites, WEIGHTS, {}, places=PLACES
    )
    assert ids(ranking) == ["visits"]
    assert rank_sites(request(("mh_liaison",)), sites, WEIGHTS, {}, places=PLACES) == ()


def test_at_most_max_suggestions_ranked_from_one() -> None:
    sites = directory(*(site(f"s{n}", f"cit = {n / 10}") for n in range(1, 7)))
    ranking = rank_sites(
        request(("cit",)), sites, RankingWeights(max_suggestions=2), {}, places=PLACES
    )
    assert [(s.rank, s.site_id) for s in ranking] == [(1, "s6"), (2, "s5")]


def test_reasons_read_as_short_phrases_for_staff(shipped) -> None:
    ask = request(("co_responder",), (), ("site_visit",), city="Mesa", state="AZ")
    top = rank_sites(ask, shipped, WEIGHTS, {"tucson": 2}, places=PLACES)[0]
    assert top.site_id == "tucson"
    assert top.reasons == (
        "runs a co-responder team (officers with clinicians) since 2014",
        "about 95 miles away",
        "also a mid-size city",
        "suggested 2 times in the last 30 days",
    )
    assert set(top.components) == {"primary", "similarity", "distance", "load"}
    assert top.score == pytest.approx(sum(top.components.values()), abs=0.01)


def test_suggested_ids_round_trip_through_the_directory(shipped, gazetteer) -> None:
    ask = request(("embedded_clinician", "follow_up"), ("substance_use",), ("site_visit",),
                  city="Worcester", state="MA")  # fmt: skip
    ranking = rank_sites(ask, shipped, WEIGHTS, {}, places=gazetteer)
    for suggestion in ranking:
        found = shipped.get(suggestion.site_id)
        assert found is not None and found.id == suggestion.site_id and len(found.id) <= 40
    assert ranking[0].site_id == "arlington_ma"


def test_every_weight_is_a_plain_number_config_can_set() -> None:
    for field in fields(RankingWeights):
        default = getattr(RankingWeights(), field.name)
        assert type(default) in (int, float) and default >= 0, field.name


def test_hostile_requester_text_is_harmless(shipped) -> None:
    ask = request(("cit",), (), ("site_visit",), city="x" * 100_000, state="\x00TX" * 1000)
    assert rank_sites(ask, shipped, WEIGHTS, {"houston": -5}, places=PLACES)


# -- quality on the labelled dev corpus (gold labels in, so this measures ranking alone) -----


def test_top_suggestion_runs_the_primary_need_on_the_dev_corpus(shipped, gazetteer) -> None:
    labels_path = SHARED / "corpus" / "dev" / "labels.toml"
    facts_path = SHARED / "domain" / "learning_sites.toml"
    if not labels_path.exists() or not facts_path.exists():
        pytest.skip("../shared is not beside the project")
    runs = {
        s["id"]: set(s["specializations"]) for s in tomllib.loads(facts_path.read_text())["site"]
    }
    labels = tomllib.loads(labels_path.read_text())["email"]
    requests = [e for e in labels if e["kind"] == "request" and e["specializations"]]
    hits = 0
    for label in requests:
        who = {k: str(v) for k, v in label.get("requester", {}).items()}
        ask = request(
            tuple(label["specializations"]), tuple(label["topics"]), tuple(label["ta_types"]), **who
        )
        ranking = rank_sites(ask, shipped, WEIGHTS, {}, places=gazetteer)
        hits += bool(ranking) and label["specializations"][0] in runs[ranking[0].site_id]
    assert hits / len(requests) >= 0.95
