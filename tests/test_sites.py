"""The site directory: the shipped sites.toml, and validation that names file and line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from classify import SiteDirectoryError, load_sites
from classify.sites import parse_sites
from classify.types import AGENCY_TYPES, SPECIALIZATIONS, TA_TYPES, TOPICS

REPO = Path(__file__).resolve().parent.parent
FACTS = REPO.parent / "shared" / "domain" / "learning_sites.toml"
NINE = {
    "houston", "lapd", "madison_wi", "portland_me", "salt_lake_city",
    "univ_florida", "arlington_ma", "madison_county_tn", "tucson",
}  # fmt: skip


@pytest.fixture(scope="module")
def shipped():
    return load_sites(REPO / "sites.toml")


def test_the_shipped_directory_has_the_nine_sites_and_no_problems(shipped) -> None:
    assert shipped.problems == ()
    assert {site.id for site in shipped.sites} == NINE
    for site in shipped.sites:
        assert site.active
        assert site.lat is not None and site.lon is not None, site.id
        assert site.specializations, site.id
        assert site.aliases, site.id
        assert site.agency_type in AGENCY_TYPES
        assert set(site.ta_offered) <= set(TA_TYPES)
        assert site.summary and site.programs and site.population_served > 0
        for label, strength in {**site.specializations, **site.topics}.items():
            assert 0 < strength <= 1
            assert site.reasons.get(label), f"{site.id}: {label} has no reason for staff"
    assert shipped.get("tucson") is not None and shipped.get("nowhere") is None


def test_shipped_facts_agree_with_the_program_facts_file(shipped) -> None:
    """A site teaches only what the facts say it runs, so the suggested top site really runs it."""
    if not FACTS.exists():
        pytest.skip("../shared is not beside the project")
    facts = {s["id"]: s for s in tomllib.loads(FACTS.read_text("utf-8"))["site"]}
    for site in shipped.sites:
        runs = set(facts[site.id]["specializations"])
        assert set(site.specializations) <= runs, site.id
        assert set(site.topics) <= runs, site.id
        assert (site.city, site.state) == (facts[site.id]["city"], facts[site.id]["state"])
        assert abs(site.lat - facts[site.id]["lat"]) < 0.01  # type: ignore[operator]
        assert abs(site.lon - facts[site.id]["lon"]) < 0.01  # type: ignore[operator]


def test_aliases_name_one_site_only(shipped) -> None:
    """An alias of one site must not appear inside another site's name or aliases."""
    for site in shipped.sites:
        for alias in site.aliases:
            for other in shipped.sites:
                if other.id == site.id:
                    continue
                texts = [other.name, *other.aliases]
                assert not any(alias.lower() in text.lower() for text in texts), (alias, other.id)


def test_every_specialization_has_an_active_site(shipped) -> None:
    for need in SPECIALIZATIONS:
        assert any(site.specializations.get(need) for site in shipped.active), need
    assert any(site.topics.get("campus") for site in shipped.sites)


BAD = """\
# a directory with mistakes, one per line where possible
[[site]]
id = "good"
name = "Good Town Police Department"
setting = "village"
lat = 40.0
lon = -75.0
flavour = "vanilla"
aliases = ["Good Town PD", "GT"]
[site.specializations]
cit = 0.8
co_responders = 0.5
rural = 0.6
mobile_crisis = 1.5
[site.topics]
campus = { strength = 0.9, reason = "campus partners", colour = "blue" }

[[site]]
id = "Bad Id"
name = "Whatever"

[[site]]
id = "nameless"

[[site]]
id = "good"
name = "Second entry with the same id"
[site.specializations]
cit = 1.0

[[site]]
id = "far_away"
name = "Far Away Sheriff"
agency_type = "sheriff"
active = "yes"
aliases = ["Good Town PD"]
ta_offered = ["email", "carrier_pigeon"]
[site.specializations]
cit = 0.4
"""


def test_each_problem_names_file_line_and_site_and_the_good_parts_still_load(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sites.toml"
    path.write_text(BAD, encoding="utf-8")
    directory = load_sites(path)
    assert [site.id for site in directory.sites] == ["good", "far_away"]
    problems = set(directory.problems)
    expected = {
        "sites.toml:5: site 'good': setting must be one of urban, suburban, rural, campus, "
        "not 'village'",
        "sites.toml:8: site 'good': unknown key 'flavour' (misspelt?)",
        "sites.toml:9: site 'good': alias 'GT' is too short to be unambiguous; ignored",
        "sites.toml:12: site 'good': unknown specialization 'co_responders' (known: "
        + ", ".join(SPECIALIZATIONS)
        + ")",
        "sites.toml:13: site 'good': 'rural' is a topic: put it under [site.topics]",
        "sites.toml:14: site 'good': mobile_crisis: strength must be a number from 0 to 1, not 1.5",
        "sites.toml:16: site 'good': campus: unknown key 'colour' (use strength and reason)",
        "sites.toml:19: site 'Bad Id': id must be lower-case letters, digits and _ "
        "(2-40 characters), not 'Bad Id'; site skipped",
        "sites.toml:22: site 'nameless': no name; site skipped",
        "sites.toml:26: site 'good': id 'good' is used twice; this entry is skipped",
        "sites.toml:35: site 'far_away': active must be true or false, not 'yes'; taken as false",
        "sites.toml:36: site 'far_away': alias 'Good Town PD' already names site 'good'; ignored",
        "sites.toml:37: site 'far_away': ta_offered: unknown kind 'carrier_pigeon' (known: "
        + ", ".join(TA_TYPES)
        + ")",
        "sites.toml:31: site 'far_away': lat and lon are needed to weigh distance for visits",
    }
    assert problems == expected, sorted(problems ^ expected)
    good = directory.get("good")
    assert good is not None
    assert dict(good.specializations) == {"cit": 0.8}
    assert dict(good.topics) == {"campus": 0.9}
    assert good.reasons["campus"] == "campus partners"
    assert good.aliases == ("Good Town PD",)
    far = directory.get("far_away")
    assert far is not None and far.active is False and far.aliases == ()
    assert far.ta_offered == ("email",) and far.lat is None


def test_an_alias_inside_another_sites_alias_is_reported() -> None:
    text = (
        '[[site]]\nid = "county"\nname = "Lake County Sheriff"\nlat = 1.0\nlon = 1.0\n'
        'aliases = ["Lake County Sheriff"]\n[site.specializations]\ncit = 1\n'
        '[[site]]\nid = "city"\nname = "Lake PD"\nlat = 1.0\nlon = 1.0\n'
        'aliases = ["Lake County", "Lake PD"]\n[site.specializations]\ncit = 1\n'
    )
    directory = parse_sites(text)
    assert directory.problems == (
        "sites.toml:14: site 'city': alias 'Lake County' overlaps alias 'Lake County Sheriff' "
        "of site 'county'; ignored",
    )
    city = directory.get("city")
    assert city is not None and city.aliases == ("Lake PD",)


def test_a_site_that_teaches_nothing_is_reported(tmp_path: Path) -> None:
    text = '[[site]]\nid = "quiet"\nname = "Quiet PD"\nlat = 1.0\nlon = 1.0\n'
    directory = parse_sites(text)
    assert directory.problems == (
        "sites.toml:1: site 'quiet': teaches no specialization, so it can never be suggested",
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[[site]\nid = 1", "not valid TOML"),
        (b"\xff\xfe not text", "not UTF-8"),
        (b'title = "no sites here"\n', "no usable [[site]] entries"),
        (
            b'[[site]]\nid = "x y"\n',
            "no usable [[site]] entries (sites.toml:2: site 'x y': id must",
        ),
        (b'site = "not a table"\n', "'site' must be [[site]] tables"),
    ],
)
def test_an_unusable_file_raises_one_clear_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "sites.toml"
    path.write_bytes(content)
    with pytest.raises(SiteDirectoryError, match="sites.toml") as info:
        load_sites(path)
    assert message in str(info.value)


def test_a_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(SiteDirectoryError, match="cannot read"):
        load_sites(tmp_path / "absent.toml")


def test_the_version_changes_with_the_content() -> None:
    text = (
        '[[site]]\nid = "one"\nname = "One PD"\nlat = 1.0\nlon = 1.0\n'
        "[site.specializations]\ncit = 1\n"
    )
    first, second = parse_sites(text), parse_sites(text.replace("cit = 1", "cit = 0.5"))
    assert first.version and first.version != second.version
    assert first.sites[0].specializations == {"cit": 1.0}
    assert set(TOPICS).isdisjoint(first.sites[0].specializations)
