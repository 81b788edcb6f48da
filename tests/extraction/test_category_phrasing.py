"""Category patterns for the phrasing real news uses: each case is a class of wording, written
here (not copied from the corpus), with a near miss where the rule must hold back."""

from __future__ import annotations

import datetime as dt

import pytest

from app.extraction import ArticleInput, ExtractedEvent, extract_article


def run(title: str, text: str = "") -> list[ExtractedEvent]:
    when = dt.datetime(2026, 5, 27, 1, 0, tzinfo=dt.UTC)
    article = ArticleInput(id="t", title=title, text=text, published=when, source="NK News")
    return extract_article(article, second_opinion=False)


def categories(title: str, text: str = "") -> list[str]:
    return [e.category for e in run(title, text)]


@pytest.mark.parametrize(
    ("title", "category"),
    [
        # crypto theft told object first, and 'stolen'
        ("About $30 million in crypto was stolen from a Tokyo exchange overnight", "cyber"),
        ("Tokens stolen from a bridge were laundered through mixers, analysts say", "cyber"),
        ("Agencies say state-linked cyber actors breached two shipbuilders", "cyber"),
        # nuclear sites seen on imagery
        ("Imagery shows new excavation work near the reactor's cooling tower", "nuclear"),
        ("Reprocessing activity seen at a uranium plant in the North", "nuclear"),
        # humanitarian: the place named by the disaster that struck it
        ("Kim tours farm villages hit by a typhoon in South Hwanghae province", "humanitarian"),
        ("Parliament passes a bill on North Korean human rights", "humanitarian"),
        (
            "Report finds North Korean workers in forced labour at European shipyards",
            "humanitarian",
        ),
        # a boat from the North adrift off another coast, its crew rescued
        (
            "Three sailors rescued from a North Korean fishing boat adrift off Akita",
            "border_maritime",
        ),
        # diplomacy
        ("Kim visits the Chinese embassy to mark the treaty anniversary", "diplomacy"),
        ("Delegates from six nations wrap up six-way talks in Beijing", "diplomacy"),
        ("In U.N. speech, the president warns Pyongyang", "diplomacy"),
        ("Laos and North Korea sign a memorandum to cooperate in agriculture", "diplomacy"),
        ("Pyongyang agrees to freeze its enrichment work under a new deal", "diplomacy"),
        # sanctions: the banned cargo or sale named
        ("Freighters unloaded outlawed North Korean coal at a Sakhalin port", "sanctions"),
        ("Customs seize a tanker carrying N. Korean anthracite", "sanctions"),
        ("Austria bans the sale of luxury yachts to North Korea", "sanctions"),
        ("Consortium decides to halt shipments of heavy fuel oil to the North", "sanctions"),
        # border and maritime
        ("Landmine explosions wound soldiers laying mines near the DMZ", "border_maritime"),
        (
            "North releases water from a dam upstream of the Imjin River without notice",
            "border_maritime",
        ),
        ("North Korea closes border checkpoints to South Korean commuters", "border_maritime"),
        (
            "Ministry protests a patrol plane's low-altitude flight near its destroyer",
            "border_maritime",
        ),
        ("Two border guards escaped to China across the Yalu river", "border_maritime"),
        ("Coast guard boards a yacht seized near Nampo", "border_maritime"),
        # arms transfer
        ("Kyiv says Russia is using faulty North Korean artillery shells", "arms_transfer"),
        ("Investigators find rockets produced in North Korea near Kharkiv", "arms_transfer"),
        ("Firm exported machinery to Iran for use in missile production", "arms_transfer"),
        ("Peru orders two OPVs from South Korea's shipyard", "arms_transfer"),
        ("Finland to order 40 tanks from South Korea", "arms_transfer"),
        # domestic
        ("North Korea amends its constitution at the assembly session", "domestic"),
        ("Kim's aide promoted to a seat on the Politburo", "domestic"),
        ("Tens of thousands of protesters marched on the presidential office", "domestic"),
        # second round: missile tests carried out, weapons named by kind
        ("North Korea carried out a cruise missile launch over the Yellow Sea", "missile_test"),
        ("Kim oversees the test of a new tactical guided weapon", "missile_test"),
        # arms transfer: one soldier, joint production deals, missile cooperation
        ("A North Korean soldier was captured near Kursk, Kyiv says", "arms_transfer"),
        ("Firm signs a deal to jointly manufacture 50 howitzers for Egypt", "arms_transfer"),
        ("Report: Tehran and Pyongyang resume missile cooperation", "arms_transfer"),
        # nuclear: building a reactor, a mushroom cloud
        ("Imagery suggests the North is building a second reactor", "nuclear"),
        ("Residents near the border report a mushroom cloud", "nuclear"),
        # defence policy: forces reorganised, new bodies, deterrence strategy, hidden bases
        ("The army will be restructured into fewer divisions by 2030", "defense_policy"),
        ("Tokyo to establish a defense procurement agency", "defense_policy"),
        ("Allies update their tailored deterrence strategy", "defense_policy"),
        ("Think tank locates a secret missile operating base in the mountains", "defense_policy"),
        # domestic: an attack on a public figure
        ("Opposition leader stabbed during a visit to Busan", "domestic"),
        # humanitarian: North Koreans abroad detained
        ("Thai police detained 20 North Korean nationals near the Mekong", "humanitarian"),
        # border: slipping into the North
        ("A US citizen slipped into North Korea across the Tumen", "border_maritime"),
        # military exercise: a show of force
        (
            "Bombers and fighters conducted a joint show of force over the peninsula",
            "military_exercise",
        ),
        # diplomacy: envoys attending, officials leaving for a capital
        ("North Korean ambassador attends a reception in Vientiane", "diplomacy"),
        ("Senior party official leaves for Moscow", "diplomacy"),
        # a navy's first ship from a foreign yard arriving is a delivery
        ("The navy's first new frigate arrives from the Ulsan shipyard", "arms_transfer"),
        # missiles fired in another country's war, supplied by the North
        (
            "Missiles fired at Kharkiv were supplied by North Korea, prosecutors say",
            "arms_transfer",
        ),
        # third round
        ("State media says Kim watched the test of a new-type tactical weapon", "missile_test"),
        ("The North cut roads, railways linking it to the South", "border_maritime"),
        (
            "A soldier travelled unchecked across the border and knocked on a barracks door",
            "border_maritime",
        ),
        ("Dozens of trawlers caught illegally fishing near Yeonpyeong", "border_maritime"),
        ("The navy salvaged parts of the failed satellite rocket from the sea", "space_launch"),
        ("Imagery shows a new high-explosive test site near the complex", "nuclear"),
        ("Imagery shows rapid frigate construction at the Nampo yard", "defense_policy"),
        ("Two destroyers arrive at the new naval base in Jeju", "defense_policy"),
        ("A pilot ejected safely before his jet went into the sea", "military_exercise"),
        ("A round strayed from the firing range and hit a farmhouse", "military_exercise"),
        ("Carriers sailed together as part of a three-nation exercise", "military_exercise"),
        ("Shipping firm fined over North Korea fund transfers", "sanctions"),
    ],
)
def test_phrasing_class_gets_its_category(title: str, category: str) -> None:
    assert category in categories(title), categories(title)


@pytest.mark.parametrize(
    ("title", "not_category"),
    [
        # repairs of flood damage at a site are not a disaster striking people
        ("Engineers repair flood damage to a dam beside the reactor", "humanitarian"),
        # the North's own labour mobilisation is domestic, not workers abroad
        ("North Koreans mobilised for forced labour projects in the capital", "humanitarian"),
        # a cruise ship calling at a port is tourism
        ("The first cruise ship in years docked at Jeju on Thursday", "border_maritime"),
        # a navy ordering at home is its own defence policy
        ("Seoul to order 20 more F-35s to strengthen its air force", "arms_transfer"),
        # return fire at the North's guns is not a transfer of its munitions
        ("Marines fired back at North Korean artillery positions on the coast", "arms_transfer"),
        # an executive order naming proliferators is not a navy ordering abroad
        (
            "Executive Order 13382 freezes assets of suppliers of missiles from abroad",
            "arms_transfer",
        ),
        # a reaction in a launch story is not a diplomatic event of its own
        ("North Korea fires a missile; Tokyo and Seoul condemned the launch", "diplomacy"),
        # a stabbing in the street is no politics unless a public figure is its target
        ("Man stabbed in a Seoul subway station", "domestic"),
        # a plane leaving for a capital is no delegation
        ("A civilian cargo plane left for Tokyo after repairs", "diplomacy"),
        # missiles fired at a city in another country's war are not the North's test
        ("Missiles fired at Kharkiv were supplied by North Korea, prosecutors say", "missile_test"),
        # goods crossing the line to the South are traffic, not an incursion
        (
            "The first trucks of goods from the Kaesong park crossed the demarcation line",
            "border_maritime",
        ),
        # fighters delivered to an air base are an arrival of arms, not a base's news
        ("The first two F-35As arrived at an air base in Cheongju", "defense_policy"),
        # a stray dog on a range is no stray round
        ("A stray dog was rescued by soldiers near the border", "military_exercise"),
        # a marathon crossing is not a border crossing closed
        ("Runners cheer as the marathon passes the city's closed roads", "border_maritime"),
    ],
)
def test_near_misses_keep_out(title: str, not_category: str) -> None:
    assert not_category not in categories(title), categories(title)


def test_a_test_missile_launched_toward_the_sea_is_still_a_test() -> None:
    assert "missile_test" in categories("North Korea fires a ballistic missile into the East Sea")


def test_soldiers_crossing_the_line_are_still_an_incident() -> None:
    title = "North Korean soldiers crossed the demarcation line while laying mines"
    assert "border_maritime" in categories(title)
