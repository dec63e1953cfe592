"""North American area codes and the states or provinces they serve, from phonenumbers' data.

phonenumbers' geocoder loads the place names of every country (about 100 MB in each process),
so the service reads a small table made from it: `make area-codes` rebuilds data/area_codes.toml
after a phonenumbers upgrade, and a test checks that the table matches the installed phonenumbers.
"""

from __future__ import annotations

import json
import tomllib
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "area_codes.toml"
# How phonenumbers spells a few places that pycountry does not recognise.
_SPELLINGS = {"washington state": "WA", "washington d.c.": "DC", "british colombia": "BC"}


def _regions_of(description: str) -> set[str]:
    """'Minnesota', 'Jersey City, NJ', 'Nova Scotia/Prince Edward Island' -> region codes."""
    from classify.geo import normalize_region

    regions = set()
    for part in description.split("/"):
        place = part.rsplit(", ", 1)[-1].strip()
        region = _SPELLINGS.get(place.lower()) or normalize_region(place)
        if region:
            regions.add(region)
    return regions


def build_table() -> dict[str, list[str]]:
    """Area code -> sorted regions, for every US and Canadian area code phonenumbers places."""
    from phonenumbers.geodata import GEOCODE_DATA

    by_code: dict[str, set[str]] = {}
    exact: dict[str, set[str]] = {}
    for prefix, names in GEOCODE_DATA.items():
        if not prefix.startswith("1") or len(prefix) < 4 or "en" not in names:
            continue
        regions = _regions_of(names["en"])
        if not regions:
            continue  # the Caribbean and other NANP countries
        code = prefix[1:4]
        if len(prefix) == 4:
            exact[code] = regions
        else:
            by_code.setdefault(code, set()).update(regions)
    by_code.update(exact)  # an area code's own entry wins over its exchanges
    return {code: sorted(regions) for code, regions in sorted(by_code.items())}


@lru_cache(maxsize=1)
def load_table() -> dict[str, tuple[str, ...]]:
    """The committed table; empty when it is missing, so a state is simply not guessed."""
    try:
        raw = tomllib.loads(TABLE.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    codes = raw.get("area_codes", {})
    return {str(code): tuple(regions) for code, regions in codes.items()}


def phone_regions(phone: str) -> tuple[str, ...]:
    """States or provinces a +1 number's area code serves ('+12185550117' -> ('MN',))."""
    if not phone.startswith("+1") or len(phone) != 12:
        return ()
    return load_table().get(phone[2:5], ())


def render(table: dict[str, list[str]]) -> str:
    """The table as TOML, one area code per line."""
    lines = [
        "# North American area codes -> states and provinces, made from phonenumbers' geocoder",
        "# data by `make area-codes`. Do not edit by hand.",
        "",
        "[area_codes]",
    ]
    lines += [f'"{code}" = {json.dumps(regions)}' for code, regions in table.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Rebuild the committed table from the installed phonenumbers."""
    TABLE.write_text(render(build_table()), encoding="utf-8")
    print(f"wrote {TABLE}")
