"""`intake sites list|show|check` and `intake suggest` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli
from tests.conftest import write_config
from tests.mail import make_email


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")


def run(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output


def test_sites_list_shows_every_site(config: Path) -> None:
    code, output = run(config, "sites", "list")
    assert code == 0, output
    for site_id in ("houston", "univ_florida", "madison_county_tn", "tucson"):
        assert site_id in output


def test_sites_show_one_site_and_an_unknown_one(config: Path) -> None:
    code, output = run(config, "sites", "show", "madison_county_tn")
    assert code == 0, output
    assert "Madison County (TN) Sheriff's Office" in output
    assert "cit" in output and "rural" in output and "Programs:" in output
    code, output = run(config, "sites", "show", "gotham")
    assert code == 1 and "no site 'gotham'" in output


def test_sites_check_passes_the_shipped_file_and_names_lines_in_a_bad_one(
    config: Path, tmp_path: Path
) -> None:
    code, output = run(config, "sites", "check")
    assert code == 0 and "9 site(s), 9 active, 0 problem(s)" in output
    bad = tmp_path / "edited.toml"
    bad.write_text(
        '[[site]]\nid = "town"\nname = "Town PD"\nlat = 1.0\nlon = 2.0\n'
        "[site.specializations]\ncit = 2\nco_responder = 0.5\n"
    )
    code, output = run(config, "sites", "check", "--file", str(bad))
    assert code == 1
    assert "edited.toml:7: site 'town': cit: strength must be a number from 0 to 1, not 2" in output
    code, output = run(config, "sites", "check", "--file", str(tmp_path / "missing.toml"))
    assert code == 3 and "cannot read site directory" in output


def test_suggest_from_text_prints_needs_and_ranked_sites(config: Path) -> None:
    code, output = run(config, "suggest", "--text", "We want to pair officers with a clinician.")
    assert code == 0, output
    assert "Kind:" in output and "Needs:" in output
    # Whatever the rules find, the command either ranks sites with reasons or says why not.
    assert "Suggested sites:" in output or "No site to suggest" in output


def test_suggest_from_an_eml_file(config: Path, tmp_path: Path) -> None:
    eml = tmp_path / "request.eml"
    eml.write_bytes(make_email("Could a learning site walk us through its CIT program?"))
    code, output = run(config, "suggest", str(eml))
    assert code == 0, output
    assert "Kind:" in output


def test_suggest_needs_exactly_one_input(config: Path, tmp_path: Path) -> None:
    code, output = run(config, "suggest")
    assert code == 2 and "give an .eml file or --text" in output
    eml = tmp_path / "x.eml"
    eml.write_bytes(b"Subject: x\n\nhello\n")
    code, _ = run(config, "suggest", str(eml), "--text", "also this")
    assert code == 2
