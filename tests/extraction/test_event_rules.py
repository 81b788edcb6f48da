"""Rules added after reading the seed week as a whole: venues abroad, combined tests, titles."""

from __future__ import annotations

from tests.extraction.test_core import only, run


def test_talks_about_the_border_are_talks_at_their_venue_not_a_border_incident() -> None:
    events = run(
        "S. Korea, U.S. hold defense talks in Washington on DMZ management",
        "South Korea and the United States held defense talks in Washington on Thursday to "
        "discuss possible changes to how parts of the Demilitarized Zone (DMZ) with North Korea "
        "are managed.",
        published="2026-05-21T23:40:00Z",
        source="Yonhap",
    )
    # the DMZ is what the talks were about: no incident happened there
    assert "border_maritime" not in {e.category for e in events}
    # defence talks are diplomacy or defence policy, held where they were held
    [talks] = [e for e in events if e.category in {"diplomacy", "defense_policy"}]
    assert talks.location is not None and talks.location.name == "Washington"


def test_a_border_city_across_the_yalu_is_not_a_venue_abroad() -> None:
    event = only(
        run(
            "Chinese border police step up patrols near Dandong",
            "Chinese border police stepped up patrols along the Yalu River near Dandong last "
            "week after a rise in smuggling into North Korea, traders in the city said.",
            source="Daily NK",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.lat > 39.5 and event.location.lon < 125


def test_a_combined_test_of_several_strike_systems_is_more_severe_than_one_missile() -> None:
    single = only(
        run(
            "North Korea fires a short-range ballistic missile",
            "North Korea fired a short-range ballistic missile into the Yellow Sea on Tuesday, "
            "South Korea's Joint Chiefs of Staff said.",
        ),
        "missile_test",
    )
    combined = only(
        run(
            "Kim Jong Un oversees test of ballistic and cruise missiles and rocket launchers",
            "North Korea fired a short-range ballistic missile, cruise missiles and 240mm "
            "multiple rocket launchers into the Yellow Sea on Tuesday, South Korea's Joint Chiefs "
            "of Staff said.",
        ),
        "missile_test",
    )
    assert combined.severity == single.severity + 1
    assert any("combined test" in reason for reason in combined.reasons["severity"])


def test_titles_do_not_repeat_a_country_that_is_both_actor_and_place() -> None:
    event = only(
        run(
            "North Korea to convene major party plenary meeting in late June",
            "North Korea will convene a major party plenary meeting to review annual plans, "
            "state media announced on Monday.",
        ),
        "domestic",
    )
    assert event.title.count("North Korea") == 1


def test_one_article_naming_site_and_sea_keeps_the_sea_as_impact_area() -> None:
    event = only(
        run(
            "N. Korea fires missile",
            "North Korea fired a short-range ballistic missile from Jongju into the Yellow Sea "
            "on Tuesday, the JCS said.",
            published="2026-05-26T04:30:00Z",
            source="Yonhap",
        ),
        "missile_test",
    )
    # the cue of the sea is the nearest word before it ("into"), not the launch's "from"
    assert event.location is not None and event.location.name == "Jongju"
    assert event.figures["impact_area"]["id"] == "intl-yellow-sea"


def test_a_sea_on_the_other_coast_is_no_impact_area_of_the_site() -> None:
    event = only(
        run(
            "N. Korea fires missile",
            "North Korea fired a ballistic missile from Wonsan on Tuesday, days after a drill "
            "off the west coast, the JCS said.",
            published="2026-05-26T04:30:00Z",
            source="Yonhap",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Wonsan"
    assert "impact_area" not in event.figures


def test_real_phrasings_of_weak_categories_make_events() -> None:
    cases = [
        ("Russian warships pass through Tsushima Strait",
         "Four Russian warships passed through the Tsushima Strait on Thursday toward the Sea "
         "of Japan, the Defense Ministry announced.", "military_exercise"),
        ("North Korea orders border guards to shoot on sight",
         "North Korea has ordered military units to shoot on sight anyone who goes within one "
         "kilometer of the border with China, sources said.", "border_maritime"),
        ("North Korea exports sanctioned iron and steel",
         "The DPRK exported $1.5 million in sanctioned iron and steel in July, Chinese customs "
         "data showed.", "sanctions"),
        ("WHO receives sanctions exemption to send disaster relief to North Korea",
         "The World Health Organization has received a humanitarian exemption to send tents "
         "to North Korea.", "humanitarian"),
        ("North Korea marks late leader's birthday",
         "North Korea celebrated the 80th birthday of late leader Kim Jong Il with a military "
         "band concert in Pyongyang.", "domestic"),
        ("Kim Jong Un gives field guidance at Samjiyon",
         "Kim Jong Un gave field guidance at construction sites in Samjiyon County, KCNA said.",
         "domestic"),
    ]  # fmt: skip
    for title, text, category in cases:
        assert category in [e.category for e in run(title, text)], title


def test_the_world_health_organization_is_no_question_in_a_headline() -> None:
    assert run("Who is Kim Ju Ae? The girl who may lead", "Kim's daughter was seen again.") == []
    body = "The World Health Organization delivered medicines to North Korea after floods."
    assert run("WHO ships medicines to North Korea after floods", body) != []
    assert run("Who ships medicines to North Korea after floods", body) == []


def test_more_real_phrasings_make_events() -> None:
    cases = [
        ("South Korea: Mandatory Military Service Frozen at 21 Months",
         "The Defense Ministry on Tuesday decided to freeze mandatory military service for the "
         "Army at the current 21 months.", "defense_policy"),
        ("South Korea completes naval base",
         "South Korea has completed a major naval base on the southern island of Jeju, the navy "
         "said on Thursday.", "defense_policy"),
        ("DPRK cracks down on foreign videos",
         "North Korean authorities have recently conducted crackdowns against people suspected "
         "of viewing South Korean dramas, a source said.", "domestic"),
        ("North Korea releases American activist",
         "An activist from the United States has been released from detention in North Korea "
         "and flown to Beijing.", "humanitarian"),
        ("Trucks carry fertilizer to the North",
         "A convoy of 50 South Korean trucks streamed into North Korea on Saturday, carrying "
         "emergency fertilizer aid to the impoverished country.", "humanitarian"),
        ("Japan protests radar lock-on",
         "A South Korean destroyer directed a fire-control radar at a Japanese patrol aircraft "
         "off the Noto Peninsula on Thursday, Japan's defence ministry said.", "border_maritime"),
    ]  # fmt: skip
    for title, text, category in cases:
        assert category in [e.category for e in run(title, text)], title


def test_market_stories_and_civil_accidents_at_sea_are_not_security_events() -> None:
    assert (
        run(
            "Seoul: Stocks fall, won sags on North Korea tensions",
            "South Korean shares fell on Tuesday and the won slumped after North Korea fired a "
            "missile over Japan.",
        )
        == []
    )
    assert (
        run(
            "Tour boat sinks on the Danube",
            "A sightseeing boat carrying 33 South Korean tourists sank in the Danube in Budapest "
            "after it collided with a cruise ship; seven people drowned.",
        )
        == []
    )
    # forces or the North in the story keep it an incident
    seized = run(
        "Coast guard seizes Chinese trawler",
        "A Chinese fishing boat sank after it rammed a South Korean coast guard ship that had "
        "fired warning shots at it for illegal fishing near the NLL.",
    )
    assert "border_maritime" in [e.category for e in seized]


def test_further_real_phrasings_make_events() -> None:
    cases = [
        ("North Korea miniaturizes nuclear warheads, officials say",
         "North Korea has successfully miniaturized nuclear warheads to fit its missiles, "
         "officials said.", "nuclear"),
        ("Japan issues order to shoot down N. Korean missile",
         "Japan's defense minister issued an order to shoot down any debris from the North "
         "Korean rocket.", "defense_policy"),
        ("N. Korean Delegation Visits Laos",
         "A North Korean delegation led by the foreign minister visited Laos on Sunday.",
         "diplomacy"),
        ("North Korean diplomat expelled over tests",
         "Peru expelled North Korea's ambassador on Monday over its nuclear tests.", "diplomacy"),
        ("Philippines suspends trade with North Korea",
         "The Philippines has suspended trade relations with North Korea, its foreign minister "
         "said.", "sanctions"),
        ("Frozen North Korean funds released",
         "The $25 million in North Korean funds frozen at a Macau bank have been released.",
         "sanctions"),
    ]  # fmt: skip
    for title, text, category in cases:
        assert category in [e.category for e in run(title, text)], title


def test_a_missile_defence_drill_is_an_exercise_not_a_launch() -> None:
    events = run(
        "Allies hold missile defense drill",
        "USS Benfold conducted a trilateral ballistic missile defense exercise on Aug. 29 with "
        "Japanese and South Korean destroyers.",
    )
    assert [e.category for e in events] == ["military_exercise"]


def test_spies_detentions_and_envoys_taking_up_posts_make_events() -> None:
    cases = [
        ("NIS, police nab an alleged spy sent by North",
         "The National Intelligence Service and police arrested an alleged spy sent by North "
         "Korea on Tuesday.", "domestic"),
        ("North Korea detains 24-year-old American tourist",
         "North Korea detains an American tourist for a hostile act, state media said.",
         "humanitarian"),
        ("Mongolia's new ambassador to N. Korea takes up post",
         "Mongolia's new ambassador to North Korea took up his post in Pyongyang on Monday.",
         "diplomacy"),
    ]  # fmt: skip
    for title, text, category in cases:
        assert category in [e.category for e in run(title, text)], title
    # a spy ship or a spy agency is no arrest of spies
    assert "domestic" not in [
        e.category
        for e in run(
            "Japan fires on suspected spy ship",
            "The coast guard fired on a suspected North Korean spy ship that was caught in "
            "Japanese waters.",
        )
    ]


def test_a_guided_missile_submarine_arriving_is_a_deployment_not_a_launch() -> None:
    events = run(
        "US guided missile submarine arrives in South Korea",
        "The USS Michigan, a guided-missile submarine, arrived in the southern port of Busan "
        "on Tuesday, the U.S. Navy said.",
    )
    assert [e.category for e in events] == ["defense_policy"]


def test_business_and_foreign_politics_are_not_the_koreas_security_news() -> None:
    assert (
        run(
            "Samsung starts mass production of new memory chips",
            "Samsung Electronics said Sunday its second production line in Pyeongtaek began mass "
            "production of DRAM chips.",
        )
        == []
    )
    outage = run(
        "KT outage disrupts food delivery and card payments",
        "A nationwide network outage at KT on Monday disrupted food delivery services and card "
        "payments across South Korea for about an hour.",
    )
    assert "humanitarian" not in [e.category for e in outage]
    assert (
        run(
            "Ban Ki-moon sworn in as UN chief",
            "Ban Ki-moon was sworn in as the eighth secretary-general of the United Nations on "
            "Thursday in New York.",
        )
        == []
    )
    # a South Korean president's reshuffle stays domestic politics
    reshuffle = run(
        "President Moon names 7 new ministers in Cabinet reshuffle",
        "President Moon Jae-in named seven new ministers on Friday in a Cabinet reshuffle.",
    )
    assert "domestic" in [e.category for e in reshuffle]


def test_a_feared_test_is_no_event_and_an_unidentified_object_is_an_incident() -> None:
    launch = run(
        "Rocket carrying Japan's first spy satellites launched",
        "A Japanese H-2A rocket carrying the nation's first spy satellites lifted off on Friday "
        "as fears grew of a missile test by North Korea.",
    )
    assert [e.category for e in launch] == ["space_launch"]
    spotted = run(
        "Unidentified object spotted at DMZ: Seoul military",
        "Military radars detected an unidentified object flying near the border with North "
        "Korea, the Joint Chiefs of Staff said Monday.",
    )
    assert "border_maritime" in [e.category for e in spotted]


def test_a_headline_repeated_atop_the_body_does_not_push_the_lede_down() -> None:
    title = "Kim Jong Un executes officials after deadly floods, media says"
    events = run(
        title,
        f"{title}\n\nWednesday, 04 September, 2024, 18:36\n\nNorth Korea executed about 20 "
        "regional officials after floods killed thousands in the north, a South Korean "
        "broadcaster reported.",
    )
    assert [e.category for e in events] == ["domestic"]


def test_satellites_in_the_plural_are_launched_too() -> None:
    event = only(
        run(
            "Japan puts spy satellites in orbit",
            "Japan launched two satellites into orbit on Sunday for its intelligence agencies, "
            "officials said.",
        ),
        "space_launch",
    )
    # Japan's government rockets fly from Tanegashima; the state launching is its own source
    assert event.location is not None and event.location.name == "Tanegashima Space Center"
    assert event.claim_status == "confirmed"


def test_a_launch_from_a_foreign_spaceport_is_placed_there_not_at_its_ground_station() -> None:
    event = only(
        run(
            "Korean nanosatellite launched in New Zealand",
            "The nanosatellite lifted off from a spaceport in Mahia on Wednesday. It made contact "
            "with the ground station at the Korea Aerospace Research Institute in Daejeon.",
        ),
        "space_launch",
    )
    assert event.location is not None and event.location.name == "Rocket Lab Launch Complex 1"


def test_a_warship_donated_or_built_for_a_foreign_navy_is_an_arms_transfer() -> None:
    donated = run(
        "Navy to receive a corvette",
        "The navy will get a boost to its capability with the donation of a corvette from South "
        "Korea.",
    )
    built = run(
        "Shipbuilder launches frigate",
        "A South Korean shipbuilder launched the first frigate on order for the Philippine Navy "
        "on Tuesday.",
    )
    assert "arms_transfer" in [e.category for e in donated]
    assert "arms_transfer" in [e.category for e in built]


def test_a_navy_ship_named_in_capitals_is_no_shipment_and_a_purchase_long_ago_no_event() -> None:
    visit = run(
        "Naval exercise under way at Busan",
        "Indian Naval Ship Sahyadri, an indigenously built stealth frigate, arrived at Busan for "
        "the first bilateral naval exercise.",
    )
    command = run(
        "Navy sets up submarine command",
        "The navy set up a submarine command on Sunday, 23 years after it acquired its first "
        "submarine from Germany in 1992.",
    )
    assert "arms_transfer" not in [e.category for e in visit]
    assert "arms_transfer" not in [e.category for e in command]


def test_troops_that_paraded_through_pyongyang_are_a_military_parade_there() -> None:
    event = only(
        run(
            "North Korea marks anniversary",
            "Thousands of North Korean troops followed by artillery and tanks paraded through "
            "Pyongyang on Sunday as the country celebrated its 70th birthday.",
        ),
        "defense_policy",
    )
    assert event.location is not None and event.location.name == "Pyongyang"


def _categories(title: str, text: str = "") -> list[str]:
    return [e.category for e in run(title, text)]


def test_phrasings_of_real_copy_name_their_kind_of_event() -> None:
    assert "border_maritime" in _categories(
        "North Korea cuts links", "North Korea disconnected roads and railways to the South."
    )
    assert "border_maritime" in _categories(
        "Leaflets found", "North Korean propaganda leaflets were found on the grounds of a base."
    )
    assert "diplomacy" in _categories(
        "Kim receives reply", "Kim Jong Un received a reply message from Xi Jinping on Tuesday."
    )
    assert "humanitarian" in _categories(
        "Kim tours flood zone", "Kim Jong Un revisited flooded areas in the north on Friday."
    )
    assert "domestic" in _categories(
        "Pardons granted", "Special pardons were granted to former presidents on Tuesday."
    )
    assert "domestic" in _categories(
        "Justice minister resigns", "The embattled justice minister resigned on Monday."
    )
    assert "arms_transfer" in _categories(
        "Air force picks tanker", "South Korea selected the A330 MRTT as its future tanker."
    )
    assert "domestic" in _categories(
        "Leader's address", "Kim Jong Un delivered a New Year's Day address on state TV."
    )


def test_a_resignation_or_a_pardon_abroad_or_in_business_is_not_korean_politics() -> None:
    assert _categories("CEO resigns", "The chief executive of a Seoul game studio quit.") == []


def test_treaties_in_force_and_secret_meetings_are_diplomacy_and_a_teaser_is_no_opinion() -> None:
    assert "diplomacy" in _categories(
        "Putin signs into law defence treaty with North Korea",
        "The accord calls on each side to come to the other's aid in case of an armed attack.",
    )
    assert "diplomacy" in _categories(
        "Japan and North Korea held secret meeting in July",
        'Japan and North Korea held a "secret" meeting in Vietnam in July, a newspaper reported.',
    )
    assert "diplomacy" in _categories(
        "Putin meets North Korean minister: will he accept the invitation?",
        "Putin met with North Korean Foreign Minister Choe Son Hui at the Kremlin on Monday.",
    )
    assert _categories("Will North Korea talk again?", "Analysts met to discuss the outlook.") == []


def test_more_phrasings_of_real_copy() -> None:
    assert "diplomacy" in _categories(
        "Security Council condemns launch", "The Security Council condemned the launch on Monday."
    )
    assert "diplomacy" in _categories(
        "US and North Korea sign nuclear agreement",
        "The two sides signed a nuclear agreement in Geneva on Friday.",
    )
    assert "military_exercise" in _categories(
        "Leader views military drill", "Kim Jong Un viewed a military drill on Sunday."
    )
    assert "defense_policy" in _categories(
        "Rocket forces on standby",
        "Kim Jong Un ordered rocket forces to be on standby to strike US bases.",
    )
    assert "border_maritime" in _categories(
        "Second incursion", "North Korean troops staged a second incursion into the DMZ."
    )


def test_energy_and_albums_are_not_security_news() -> None:
    assert (
        _categories(
            "Artificial sun sets record",
            "South Korea's KSTAR nuclear fusion reactor ran for 20 seconds at 100 million degrees.",
        )
        == []
    )
    assert (
        _categories(
            "Band returns with new album",
            "A press event was held at 2 p.m. to commemorate the release of the album.",
        )
        == []
    )
    assert (
        _categories(
            "Signing with the Eagles",
            "The team has reached a four-year contract agreement with the pitcher.",
        )
        == []
    )


def test_a_breach_of_sanctions_is_no_hack_and_an_office_is_no_ocean() -> None:
    events = run(
        "Malaysia turns away coal ship",
        "Malaysia briefly prevented a North Korean ship carrying coal from entering its port in "
        "Penang because of a suspected breach of United Nations sanctions.",
    )
    assert [e.category for e in events] == ["sanctions"]
    assert events[0].location is not None and events[0].location.name == "Penang Port"
    remarks = run(
        "Assistant Secretary for East Asian and Pacific Affairs on his meeting in Singapore",
        "The assistant secretary met the North's vice foreign minister in Singapore on Tuesday.",
    )
    assert [e.location.name for e in remarks if e.location] == ["Singapore"]
    assert "cyber" in _categories("Hackers breached networks", "Hackers breached the networks.")


def test_aid_by_the_ton_defections_and_named_talks() -> None:
    assert "humanitarian" in _categories(
        "Russia donates wheat", "Russia has donated 25,000 tons of wheat to North Korea."
    )
    assert "humanitarian" in _categories(
        "Restaurant staff defect", "Twelve North Korean restaurant staff defected last week."
    )
    assert "diplomacy" in _categories(
        "Military talks end", "Inter-Korean military talks ended with little progress on Friday."
    )
    assert "diplomacy" in _categories(
        "Security official in Pyongyang",
        "Russia's top security official arrived in Pyongyang on Wednesday.",
    )


def test_new_commands_prototypes_missile_defence_and_air_defence_zones() -> None:
    assert "defense_policy" in _categories(
        "Navy sets up submarine command", "The navy set up a new submarine command on Sunday."
    )
    assert "defense_policy" in _categories(
        "Fighter prototype unveiled", "South Korea unveiled a prototype of its first fighter jet."
    )
    assert "defense_policy" in _categories(
        "THAAD site chosen", "A golf course will be the new THAAD site, the military said."
    )
    assert "defense_policy" in _categories(
        "Air defence zone widened", "South Korea expanded its air defense zone on Sunday."
    )
    assert _categories("Startup creates app", "A Seoul startup created a new dating app.") == []


def test_inspectors_ordered_out_aircraft_arriving_zones_entered_and_drifting_mines() -> None:
    assert "nuclear" in _categories(
        "Inspectors ordered out", "North Korea ordered IAEA inspectors to leave the country."
    )
    assert "arms_transfer" in _categories(
        "Stealth fighters arrive", "The air force welcomed the arrival of two F-35A fighters."
    )
    assert "border_maritime" in _categories(
        "Warplanes enter KADIZ", "Chinese and Russian warplanes entered the KADIZ on Tuesday."
    )
    assert "border_maritime" in _categories(
        "Mine drifts south", "A North Korean wooden mine drifted down the river on Sunday."
    )


def test_unit_inspections_launchers_installed_transfers_at_sea_and_boats_of_the_dead() -> None:
    assert "defense_policy" in _categories(
        "Kim Jong Un inspects KPA Unit 1501", "Kim Jong Un inspected KPA Unit 1501, KCNA said."
    )
    assert "defense_policy" in _categories(
        "Launchers near island", "North Korea installed rocket launchers near the island."
    )
    assert "sanctions" in _categories(
        "Japan publishes evidence", "Japan published evidence of ship-to-ship activity."
    )
    assert "border_maritime" in _categories(
        "Boat with corpses found", "A wooden boat that contained four corpses was found ashore."
    )


def test_visits_to_the_dmz_trips_abroad_interceptors_deployed_and_remains_returned() -> None:
    assert "diplomacy" in _categories(
        "Obama visits DMZ", "President Obama visited the DMZ on Sunday ahead of a summit."
    )
    assert "diplomacy" in _categories(
        "Leader arrives in Nanjing", "North Korea's leader Kim Jong Il arrived in Nanjing."
    )
    assert "defense_policy" in _categories(
        "Aegis ships deploy", "Japan deployed Aegis destroyers and PAC-3 interceptors on Friday."
    )
    assert "humanitarian" in _categories(
        "Fallen come home", "The vice president welcomed the remains of the fallen back home."
    )
    assert "nuclear" in _categories(
        "Uranium plant leaking", "The uranium plant is leaking radioactive waste into a river."
    )


def test_sentences_cut_promotions_named_exercises_and_trade_curbs() -> None:
    assert "domestic" in _categories(
        "Court slashes jail term", "A court slashed the former president's jail term by 10 years."
    )
    assert "domestic" in _categories(
        "Kim orders promotions", "Kim Jong Il ordered the promotion of generals on Friday."
    )
    assert "military_exercise" in _categories(
        "Flotilla sets sail", "A South Korean naval flotilla set sail to attend RIMPAC."
    )
    assert "sanctions" in _categories(
        "India stiffens restrictions", "India imposed restrictions on trade with North Korea."
    )


def test_white_papers_and_regional_forums() -> None:
    assert "defense_policy" in _categories(
        "Japan paper adds to worries", "The Japanese cabinet approved its annual white paper."
    )
    assert "diplomacy" in _categories(
        "Koreas attend ASEAN Regional Forum", "Top officials joined the ASEAN Regional Forum."
    )


def test_a_launch_of_last_july_is_background_not_this_articles_event() -> None:
    categories = _categories(
        "Koreas agree to resume aid",
        "The two Koreas agreed on Friday to resume food aid. They also announced steps to "
        "improve relations chilled by the North's missile launches last July.",
    )
    assert "missile_test" not in categories
    assert "missile_test" in _categories(
        "North Korea fires missiles", "North Korea fired two ballistic missiles on Friday."
    )
