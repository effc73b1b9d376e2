"""Build data/advisories/levels_source.json: the demo's advisory levels, taken from a government's published
travel advice and mapped to our four levels. The demo must not show Afghanistan at level 1.

    .venv/bin/python data/advisories/build_levels.py CANADA_CSV US_CSV

Source (public, no assessment of our own):
  - Global Affairs Canada, "Travel advice and advisories" (https://travel.gc.ca/travelling/advisories): one
    risk level per destination, on a four-step scale that maps one to one onto ours. Read from the snapshot
    of that page kept by the public repository marcolussetti/travel-advisories (file canada_summary.csv,
    commit bbc331def9b73f61253cca713cd85a4b363a436f, fetched 2026-08-22; each row has the date travel.gc.ca
    gives for it).
  - Canada gives no advice for Canada itself: for CA the U.S. Department of State's Travel Advisory
    (https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories.html), whose four levels
    have the very names of ours, from the same repository (unitedstates_summary.csv, commit
    c5f67b93ca9612cba649d427f1b8e1d71175c8a2, fetched 2025-08-14).
Indonesia, the ministry's own country, is left out: the ministry gives no travel advice for home.
Destinations neither source names (uninhabited territories, Crown dependencies, a few islands) are left
out of the output; build_demo.py keeps them at level 1 and says that no level was published for them.

Nothing here touches the network: the two CSV files are read from a local copy. The output is sorted, so a
rebuild shows a clean diff.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pycountry

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from embassy.geo.countries import all_countries  # noqa: E402 - after the path set-up

OUT = Path(__file__).with_name("levels_source.json")
HOME = "ID"  # the ministry's own country: no travel advice for home
CANADA = {
    "name": "Global Affairs Canada — Travel advice and advisories",
    "url": "https://travel.gc.ca/travelling/advisories",
    "snapshot": "https://github.com/marcolussetti/travel-advisories/blob/"
                "bbc331def9b73f61253cca713cd85a4b363a436f/canada_summary.csv",
    "retrieved": "2026-08-22",
}
UNITED_STATES = {
    "name": "U.S. Department of State — Travel Advisories",
    "url": "https://travel.state.gov/content/travel/en/traveladvisories/traveladvisories.html",
    "snapshot": "https://github.com/marcolussetti/travel-advisories/blob/"
                "c5f67b93ca9612cba649d427f1b8e1d71175c8a2/unitedstates_summary.csv",
    "retrieved": "2025-08-14",
}
# Canada's scale → ours (levels.Level): the same four steps.
CANADA_LEVELS = {
    "Take normal security precautions": 1,
    "Exercise a high degree of caution": 2,
    "Avoid non-essential travel": 3,
    "Avoid all travel": 4,
}
# Canada's destination names that are not an ISO 3166 name pycountry knows (Azores and the Canary Islands
# are parts of Portugal and Spain, which have their own rows).
CANADA_NAMES: dict[str, tuple[str, ...]] = {
    "Bonaire": ("BQ",), "Brunei": ("BN",), "Democratic Republic of Congo (Kinshasa)": ("CD",),
    "Falkland Islands": ("FK",), "Gambia, The": ("GM",), "Israel and Palestine": ("IL", "PS"),
    "Kosovo": ("XK",), "Micronesia (FSM)": ("FM",), "Northern Marianas": ("MP",),
    "Republic of Congo (Brazzaville)": ("CG",), "Russia": ("RU",), "Saint Martin": ("MF",),
    "Saint Vincent & the Grenadines": ("VC",), "Saint-Barthélemy": ("BL",),
    "Saint-Pierre-et-Miquelon": ("PM",), "Sint Maarten": ("SX",), "Virgin Islands (U.S.)": ("VI",),
    "Azores": (), "Canary Islands": (),
}


def _codes(name: str) -> tuple[str, ...]:
    if name in CANADA_NAMES:
        return CANADA_NAMES[name]
    try:
        return (pycountry.countries.lookup(name.split(" (")[0].strip()).alpha_2,)
    except LookupError:
        raise SystemExit(f"unknown destination {name!r}: add it to CANADA_NAMES") from None


def build(canada_csv: Path, us_csv: Path) -> dict[str, object]:
    known = {c.code for c in all_countries()} - {HOME}
    levels: dict[str, dict[str, object]] = {}
    with canada_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row["risk_level"].strip()
            base, regional = text.removesuffix(" (with regional advisories)"), text.endswith("(with regional advisories)")
            level = CANADA_LEVELS[base]
            for code in _codes(row["destination"]):
                if code in known:
                    levels[code] = {"level": level, "source": "CA", "source_level": text,
                                    "regional": regional, "updated": row["last_updated"][:10],
                                    "url": row["details_url"]}
    with us_csv.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["destination"] == "Canada":  # Canada does not advise on itself
                levels["CA"] = {"level": int(row["risk_level_number"]), "source": "US",
                                "source_level": row["risk_level"], "regional": False,
                                "updated": row["last_updated_advisory"][:10], "url": row["advisory_details_url"]}
    return {"sources": {"CA": CANADA, "US": UNITED_STATES}, "levels": dict(sorted(levels.items()))}


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    data = build(Path(sys.argv[1]), Path(sys.argv[2]))
    levels: dict[str, object] = data["levels"]  # type: ignore[assignment]
    lines = [f"  {json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}" for code, row in levels.items()]
    head = json.dumps({"sources": data["sources"]}, ensure_ascii=False, indent=1)[:-2]
    text = head + ',\n "levels": {\n' + ",\n".join(lines) + "\n }\n}\n"
    json.loads(text)  # the file must stay valid JSON
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(levels)} countries)")  # noqa: T201


if __name__ == "__main__":
    main()
