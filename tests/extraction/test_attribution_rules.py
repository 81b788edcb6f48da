"""Rules for who speaks and where things happen, each found on real copy and written here as
its own small case (the real-text corpus measures them; these keep each rule from regressing)."""

from __future__ import annotations

from tests.extraction.test_core import only, run


def _place(event) -> str | None:  # type: ignore[no-untyped-def]
    return event.location.name if event.location else None


def test_a_resolution_vetoed_at_the_un_sits_at_its_headquarters() -> None:
    event = only(
        run(
            "Veto ends monitoring of sanctions",
            "China vetoed a U.N. resolution on Tuesday that would have renewed the mandate of "
            "the panel monitoring sanctions against North Korea.",
        ),
        "sanctions",
    )
    assert _place(event) == "United Nations Headquarters"


def test_a_security_council_meeting_overrides_the_place_it_discussed() -> None:
    event = only(
        run(
            "Council divided after launch over Japan",
            "The Security Council held an emergency meeting on Wednesday on the missile that flew "
            "over Japan and set off alerts in Tokyo, but two members blocked a statement.",
        ),
        "diplomacy",
    )
    assert _place(event) == "United Nations Headquarters"


def test_loudspeaker_broadcasts_happen_on_the_inter_korean_border() -> None:
    event = only(
        run(
            "South halts propaganda broadcasts",
            "South Korea's military switched off its propaganda loudspeakers on Monday, the "
            "defence ministry said.",
        ),
        "border_maritime",
    )
    assert _place(event) == "Korean Demilitarized Zone"


def test_where_something_is_scheduled_to_happen_is_not_where_this_happened() -> None:
    event = only(
        run(
            "Veteran official dies",
            "The party's veteran leader died of illness on Friday, state media said, adding that "
            "his funeral is scheduled to be held in Wonsan next week.",
        ),
        "domestic",
    )
    assert _place(event) != "Wonsan"


def test_a_detainee_sentenced_by_the_north_was_tried_in_pyongyang() -> None:
    event = only(
        run(
            "Tourist sentenced to hard labour",
            "A foreign tourist was sentenced by North Korea's top court on Monday to ten years "
            "of hard labour, the official KCNA news agency said.",
        ),
        "humanitarian",
    )
    assert _place(event) == "Pyongyang"
    assert event.claim_status == "claimed"  # only the North's media say so


def test_first_is_not_firing() -> None:
    events = run(
        "Negotiators meet again",
        "Negotiators sat down for talks in Beijing, the first in a series of tough rounds of "
        "negotiation.",
    )
    assert "artillery" not in {e.category for e in events}
    assert "diplomacy" in {e.category for e in events}


def test_the_second_half_of_a_compound_names_no_place() -> None:
    event = only(
        run(
            "Helicopter sale approved",
            "The State Department approved the sale of 12 transport helicopters to South Korea "
            "to support stability in the Indo-Pacific region.",
        ),
        "arms_transfer",
    )
    assert _place(event) != "Pacific Ocean"


def test_a_place_and_a_passive_verb_name_no_official_doer() -> None:
    event = only(
        run(
            "Two reporters sentenced",
            "Two reporters were sentenced to 12 years of labour, the official KCNA news agency "
            "said. They had been filming near the river in China when they were seized by guards.",
        ),
        "humanitarian",
    )
    assert event.claim_status == "claimed"


def test_what_follows_said_that_is_what_was_said_not_who_said_it() -> None:
    event = only(
        run(
            "Monitoring devices removed",
            "North Korea said on Sunday that it had begun removing United Nations monitoring "
            "devices from its reactor at Yongbyon.",
        ),
        "nuclear",
    )
    assert event.claim_status == "claimed"


def test_a_name_inside_a_quotation_does_not_speak_for_the_source_after_it() -> None:
    event = only(
        run(
            "Envoy executed, newspaper says",
            'North Korea executed its envoy, a newspaper reported. "He was executed with four '
            'foreign ministry officials in March," an unnamed source said.',
        ),
        "domestic",
    )
    assert event.claim_status == "reported"


def test_a_comma_before_said_gives_the_verb_to_the_name_after_it() -> None:
    event = only(
        run(
            "Shipbuilder hacked",
            "North Korean hackers stole warship blueprints from a shipbuilder last year. The "
            "breach was discovered by a unit under South Korea's Ministry of Defense, said Kyung, a "
            "lawmaker who was briefed on the case.",
        ),
        "cyber",
    )
    assert event.claim_status == "reported"


def test_refusing_to_confirm_confirms_nothing() -> None:
    event = only(
        run(
            "Leader visits Beijing",
            "North Korea's leader arrived in Beijing on Monday, broadcasters reported. South "
            "Korean officials refused to confirm the visit.",
        ),
        "diplomacy",
    )
    assert event.claim_status == "reported"


def test_family_reunions_are_held_by_both_governments() -> None:
    event = only(
        run(
            "Separated families meet",
            "Elderly South Koreans met their relatives from the North on Monday at the Mount "
            "Kumgang resort, the first family reunions in three years.",
        ),
        "humanitarian",
    )
    assert event.claim_status == "confirmed"


def test_a_state_named_as_doer_of_an_official_act_is_its_government() -> None:
    event = only(
        run(
            "Estonia to buy howitzers",
            "Estonia has agreed to buy South Korean self-propelled howitzers in a deal worth "
            "about $50 million.",
        ),
        "arms_transfer",
    )
    assert event.claim_status == "confirmed"


def test_the_souths_own_rocket_flies_from_naro() -> None:
    event = only(
        run(
            "Nuri reaches orbit",
            "South Korea's homegrown Nuri rocket placed eight satellites into orbit on Thursday, "
            "officials said.",
        ),
        "space_launch",
    )
    assert _place(event) == "Naro Space Center"


def test_a_launch_site_abroad_is_still_the_launch_site() -> None:
    event = only(
        run(
            "Spy satellite launched",
            "South Korea's second military spy satellite was launched on a Falcon 9 rocket from "
            "the Kennedy Space Center in Florida on Sunday.",
        ),
        "space_launch",
    )
    assert _place(event) == "Kennedy Space Center"


def test_weapons_sent_over_a_city_are_an_incursion_not_a_transfer() -> None:
    events = run(
        "North accuses South of drone flights",
        "North Korea accused South Korea on Friday of sending drones over Pyongyang to drop "
        "leaflets.",
    )
    assert "arms_transfer" not in {e.category for e in events}


def test_a_missile_named_after_its_site_does_not_place_the_launch_there() -> None:
    # the Musudan IRBM is named after Musudan-ri; where it flew from is said elsewhere
    event = only(
        run(
            "Failed launch of Musudan ballistic missile",
            "Officials detected an attempt on Saturday to launch a Musudan intermediate-range "
            "ballistic missile. The Pentagon said the launch was made from near Kusong.",
        ),
        "missile_test",
    )
    assert _place(event) == "Kusong"


def test_a_speaker_who_is_no_authority_makes_a_report_the_word_statistics_cannot_overturn() -> None:
    event = only(
        run(
            "More North Korean troops sent to Russia, Ukraine says",
            "North Korea has sent another 3,000 troops to Russia's Kursk region along with "
            "artillery shells, Ukraine's military intelligence said on Thursday.",
        ),
        "arms_transfer",
    )
    assert event.claim_status == "reported"
    assert event.reasons["claim_status"][0].startswith("a source that is neither an authority")


def test_the_press_as_the_source_is_a_report() -> None:
    event = only(
        run(
            "Senior official executed",
            "A senior North Korean official was executed last month for disloyalty, according to "
            "a South Korean newspaper.",
        ),
        "domestic",
    )
    assert event.claim_status == "reported"
    assert event.reasons["claim_status"][0].startswith("sourced to the press")


def test_a_photo_caption_of_people_watching_the_news_places_nothing() -> None:
    event = only(
        run(
            "North Korea shows off new missile at parade",
            "A man watches a TV screen showing the parade at a railway station in Busan. North "
            "Korea displayed a new intercontinental ballistic missile at a military parade on "
            "Saturday, state media said.",
        ),
        "defense_policy",
    )
    assert _place(event) != "Busan"


def test_where_a_think_tank_sits_is_not_where_the_site_is() -> None:
    event = only(
        run(
            "Activity seen at nuclear site",
            "A think tank in Washington said on Tuesday that satellite imagery of North Korea's "
            "Yongbyon nuclear site showed railcars near its reprocessing plant.",
        ),
        "nuclear",
    )
    assert _place(event) == "Yongbyon Nuclear Scientific Research Center"


def test_a_parade_or_a_meeting_named_in_passing_does_not_place_a_launch() -> None:
    event = only(
        run(
            "North Korea fires two new ballistic missiles",
            "North Korea fired two ballistic missiles of a new type on Thursday that were first "
            "shown at a military parade in Pyongyang in January, Japan's defense ministry said. "
            "They fell into the Sea of Japan.",
        ),
        "missile_test",
    )
    assert _place(event) == "Sea of Japan"


def test_the_souths_satellites_fly_from_spaceports_abroad() -> None:
    event = only(
        run(
            "South Korea's weather satellite launched",
            "South Korea's first geostationary weather satellite was launched on Tuesday from "
            "the Guiana Space Centre in Kourou, French Guiana, the science ministry said.",
        ),
        "space_launch",
    )
    assert _place(event) == "Guiana Space Centre"


def test_weapons_provided_by_north_korea_are_an_arms_transfer() -> None:
    events = run(
        "Shells came from North Korea",
        "Artillery shells found at the front last week were provided by North Korea, the "
        "regional police said.",
    )
    assert "arms_transfer" in [e.category for e in events]


def test_unnamed_officials_and_a_body_named_as_an_owner_confirm_nothing() -> None:
    unnamed = only(
        run(
            "Secret arms sale allowed, paper says",
            "Citing unnamed U.S. officials, the newspaper said an African state completed a "
            "secret purchase of North Korean weapons in January.",
        ),
        "arms_transfer",
    )
    assert unnamed.claim_status == "reported"
    owner = only(
        run(
            "North Korea quits disarmament talks",
            "North Korea said on Tuesday it sternly rejects the Security Council's action and "
            "will quit the six-party talks, the Korean Central News Agency said.",
        ),
        "diplomacy",
    )
    assert owner.claim_status == "claimed"


def test_cutting_a_hotline_is_diplomacy() -> None:
    events = run(
        "North Korea cuts military hotline with the South",
        "North Korea said on Wednesday that it had cut off a key military hotline with South "
        "Korea, the official news agency said.",
    )
    assert "diplomacy" in [e.category for e in events]


def test_contests_factories_and_epidemics_in_the_norths_own_words() -> None:
    contest = run(
        "Leader attends flight contest of air force",
        "The leader on Friday attended a flight contest by the air force, state media said.",
    )
    factory = run(
        "Leader inspects factory",
        "The leader inspected a major factory that produces strategic missile launching "
        "vehicles, state media said on Saturday.",
    )
    epidemic = run(
        "Victory declared over the virus",
        "The leader declared victory in the battle against COVID-19 on Thursday and ordered "
        "the lifting of anti-epidemic measures, state media said.",
    )
    assert "military_exercise" in [e.category for e in contest]
    assert "defense_policy" in [e.category for e in factory]
    assert "humanitarian" in [e.category for e in epidemic]


def test_provinces_and_islands_in_their_korean_form_and_a_local_source_placing_the_event() -> None:
    hunger = only(
        run(
            "Starvation deaths reported in the mountains",
            "Residents have starved to death because of food shortages, a source living in "
            "Hamgyongnam-do said, according to a radio report.",
        ),
        "humanitarian",
    )
    assert _place(hunger) == "South Hamgyong Province"
    stabbing = only(
        run(
            "Chinese fisherman stabs coast guard officer",
            "A Chinese captain stabbed a South Korean coast guard officer on Monday after his "
            "boat was stopped for illegal fishing off the coast of Socheong-do, officials said.",
        ),
        "border_maritime",
    )
    assert _place(stabbing) == "Socheong Island"


def test_a_disaster_in_the_south_is_no_security_event_but_one_in_the_north_is() -> None:
    south = run(
        "Typhoon rakes southern coast",
        "A typhoon hit the southern port city of Busan on Friday and killed more than 70 "
        "people, officials said, as rescue ships and helicopters searched for the missing.",
    )
    north = run(
        "Floods in the North's northeast",
        "Floods in North Hamgyong Province killed dozens and left thousands homeless this week, "
        "aid agencies said.",
    )
    assert south == []
    assert [e.category for e in north] == ["humanitarian"]


def test_a_news_service_is_no_authority_and_an_official_speaking_unnamed_makes_a_report() -> None:
    wire = only(
        run(
            "North Korea test-fires missiles, agency says",
            "North Korea test-fired two short-range missiles off its west coast on Thursday, "
            "South Korea's Yonhap news service reported.",
        ),
        "missile_test",
    )
    assert wire.claim_status == "reported"
    unnamed = only(
        run(
            "North Korea fires artillery again",
            "North Korea fired artillery near Yeonpyeong Island on Thursday, a defence ministry "
            "official said. The official, who asked not to be named, said the shells fell in "
            "northern waters.",
        ),
        "artillery",
    )
    assert unnamed.claim_status == "reported"
    assert unnamed.reasons["claim_status"][0].startswith("an official speaking unnamed")


def test_a_warning_to_a_capital_and_a_trophy_drought_are_figures_of_speech() -> None:
    drill = only(
        run(
            "South Korea begins drills with the US",
            "South Korea's navy began drills with US forces on Monday, the navy said, after "
            "Washington sent a carrier to the region as a warning to Pyongyang.",
        ),
        "military_exercise",
    )
    assert _place(drill) != "Pyongyang"
    assert run("Spurs end trophy drought", "Son Heung-min lifted the trophy in Bilbao.") == []


def test_a_surface_to_ship_missile_is_no_shipment_and_keeps_its_launch_site() -> None:
    events = run(
        "North Korea fires cruise missiles",
        "North Korea fired what appeared to be cruise missiles off its east coast on Tuesday, "
        "South Korea's military said. The surface-to-ship cruise missiles were fired from areas "
        "near its eastern coastal town of Munchon, the Joint Chiefs of Staff said.",
    )
    assert [e.category for e in events] == ["missile_test"]
    assert _place(events[0]) == "Munchon"


def test_a_body_named_in_a_thing_of_its_own_or_before_according_to_is_no_source() -> None:
    severance = only(
        run(
            "North Korea cuts ties with Malaysia",
            "North Korea said it will cut off diplomatic ties with Malaysia, state media reported "
            "on Friday. The businessman was accused of laundering funds in violation of UN "
            "sanctions, Yonhap reported.",
        ),
        "diplomacy",
    )
    assert severance.claim_status == "claimed"
    drones = only(
        run(
            "Kim shows drones to Russian minister",
            "North Korea's leader Kim Jong Un met the Russian defence minister in Pyongyang on "
            "Wednesday, state media said. He saw a drone resembling one used by the US Air Force, "
            "according to NK News.",
        ),
        "diplomacy",
    )
    assert "US Air Force" not in drones.reasons["claim_status"][0]


def test_sanctions_as_a_noun_is_no_act_and_states_that_detect_confirm() -> None:
    memo = only(
        run(
            "North Korea warns of food shortfall",
            "North Korea has warned that it faces a food shortfall of 1.4 million tonnes, "
            "blaming drought, floods and United Nations sanctions in a memo released by its "
            "mission, state media said.",
        ),
        "humanitarian",
    )
    assert memo.claim_status == "claimed"
    launch = only(
        run(
            "North Korea says it tested a hypersonic missile",
            "North Korea has test-fired a hypersonic missile, KCNA reported Thursday. On "
            "Wednesday, South Korea and Japan detected Pyongyang firing a projectile into the sea.",
        ),
        "missile_test",
    )
    assert launch.claim_status == "confirmed"
    veto = only(
        run(
            "Russia vetoes UN resolution on sanctions monitors",
            "Russia vetoed a U.N. resolution on Thursday that would have extended the panel "
            "monitoring sanctions against North Korea.",
        ),
        "sanctions",
    )
    assert veto.claim_status == "confirmed"


def test_rockets_fired_from_a_named_area_place_the_artillery_there() -> None:
    event = only(
        run(
            "North Korea fires around 10 rockets into Yellow Sea",
            "North Korea fired around 10 multiple launch rockets into the Yellow Sea on Thursday "
            "morning. A South Korean military official said the rockets were fired at around "
            "10 a.m. from the Sunan area near Pyongyang toward the northwest.",
        ),
        "artillery",
    )
    assert _place(event) == "Sunan"


def test_a_step_told_after_before_is_the_same_happening() -> None:
    event = only(
        run(
            "South Korean jets fire warning shots at Russian plane",
            "South Korea's Defense Ministry on Tuesday said its fighter jets fired warning shots "
            "after Russian planes entered the country's air defense zone off its east coast "
            "before one of them entered the territorial sky over Dokdo island.",
        ),
        "border_maritime",
    )
    assert _place(event) == "Dokdo"


def test_a_sanctions_event_takes_its_place_from_its_own_sentences_only() -> None:
    event = only(
        run(
            "Japan extends sanctions against North Korea",
            "Japan extended sanctions against North Korea on Friday, banning port calls of North "
            "Korean vessels for another six months. The sanctions were first imposed after North "
            "Korea's test-launch of ballistic missiles over the Sea of Japan in 2006.",
        ),
        "sanctions",
    )
    assert _place(event) != "Sea of Japan"


def test_sources_in_a_lede_without_title_a_un_report_and_a_marine_corps_confirm() -> None:
    untitled = extract_untitled(
        "South Korea picked Boeing to supply four early-warning planes for 1.6 trillion won, "
        "the defense ministry in Seoul said on Wednesday."
    )
    assert [e.claim_status for e in untitled] == ["confirmed"]
    report = only(
        run(
            "Millions go hungry in North Korea",
            "A U.N. report says that an estimated 11 million people in North Korea are "
            "undernourished and that chronic food insecurity is widespread.",
        ),
        "humanitarian",
    )
    assert report.claim_status == "confirmed"
    drill = only(
        run(
            "Marines fire near the NLL",
            "The Marine Corps said on the 24th it conducted live-fire drills at sea near the "
            "Northern Limit Line off the west coast.",
        ),
        "military_exercise",
    )
    assert drill.claim_status == "confirmed"


def test_the_un_nuclear_agency_observes_it_does_not_confirm() -> None:
    event = only(
        run(
            "North Korea to restart reactor",
            "The U.N. nuclear agency says North Korea plans to reinsert nuclear material into "
            "its Yongbyon reactor, and has removed seals from the plant.",
        ),
        "nuclear",
    )
    assert event.claim_status == "reported"


def extract_untitled(text: str):  # type: ignore[no-untyped-def]
    """An excerpt as a feed without a title carries it (its first sentence stands as title)."""
    from app.extraction import extract_article
    from app.extraction.inputs import read_article

    entry = {"text": text, "published": "2026-05-27T01:00:00Z", "source": "Reuters"}
    return extract_article(read_article(entry).article)


def test_diplomatic_venues_a_capital_of_and_a_declaration_named_for_its_city() -> None:
    talks = only(
        run(
            "Japan, North Korea start talks on abductions",
            "Japan and North Korea began bilateral talks yesterday in Mongolia. The talks in the "
            "Mongolian capital of Ulan Bator are scheduled to last through today.",
        ),
        "diplomacy",
    )
    assert _place(talks) == "Ulaanbaatar"
    declaration = only(
        run(
            "Moon and Kim jointly announce Pyongyang Declaration",
            "South Korean President Moon Jae-in and North Korean leader Kim Jong-un jointly "
            "announced the September Pyongyang Declaration, which includes an agreement to shut "
            "down the launch pad at Dongchang.",
        ),
        "diplomacy",
    )
    # the launch pad is what they agreed on, not where they met
    assert _place(declaration) not in {None, "Sohae Satellite Launching Station"}


def test_a_visit_received_by_the_host_government_is_a_meeting_both_held() -> None:
    visit = only(
        run(
            "N. Korean President In Tehran For NAM Summit",
            "North Korea's ceremonial head of state Kim Yong Nam arrived in Tehran on Wednesday "
            "for the Non-Aligned Movement Summit and was warmly received at the airport by the "
            "Iranian foreign minister.",
        ),
        "diplomacy",
    )
    assert "Iran" in visit.actors
    assert visit.claim_status == "confirmed"


def test_from_an_area_in_or_around_a_site_is_a_launch_site_cue() -> None:
    event = only(
        run(
            "N. Korea fires 1 SRBM toward East Sea: S. Korean military",
            "North Korea launched one short-range ballistic missile toward the East Sea on "
            "Wednesday. The Joint Chiefs of Staff said it detected the launch from an area in or "
            "around Sukchon, South Pyongan Province.",
        ),
        "missile_test",
    )
    assert _place(event) == "Sukchon"


def test_a_deployment_arrives_at_its_base_not_where_it_came_from() -> None:
    event = only(
        run(
            "U.S. reconnaissance drones arrive at air base in Japan",
            "The RQ-4 Global Hawks began arriving at Yokota Air Base in Japan from Andersen Air "
            "Force Base in Guam last Monday as part of a rotational deployment, the U.S. Pacific "
            "Air Forces said.",
        ),
        "defense_policy",
    )
    assert _place(event) == "Yokota Air Base"


def test_seoul_says_a_secretary_and_a_commander_confirm() -> None:
    executions = only(
        run(
            "North Korea executes more young people in public, Seoul says",
            "Public executions of young North Koreans for watching South Korean dramas are on "
            "the rise, Seoul says.",
        ),
        "domestic",
    )
    assert executions.claim_status == "confirmed"
    drill = only(
        run(
            "Allied air forces begin Max Thunder drill",
            "The air forces of the US and South Korea began the Max Thunder exercise on Monday. "
            "Seventh Air Force commander Thomas Bergeson said the drill serves the alliance.",
        ),
        "military_exercise",
    )
    assert drill.claim_status == "confirmed"


def test_a_states_company_or_a_party_to_the_war_does_not_confirm_by_acting() -> None:
    deal = only(
        run(
            "Hyundai Rotem signs K2 tank deal with Poland",
            "Hyundai Rotem, South Korea's sole tank manufacturer, announced Monday it signed a "
            "contract to export 180 K2 tanks to Poland.",
        ),
        "arms_transfer",
    )
    assert deal.claim_status == "reported"
    shells = only(
        run(
            "North Korea cuts shell supplies to Russia",
            "North Korea has cut shipments of artillery shells to Russia, Ukraine's military "
            "intelligence chief said. The Ukrainian military sent a report on the shipments.",
        ),
        "arms_transfer",
    )
    assert shells.claim_status == "reported"


def test_the_norths_organs_claim_only_when_they_speak() -> None:
    spyware = only(
        run(
            "Hackers linked to North Korea spread Android spyware",
            "A group of hackers linked to the North Korean government has spread spyware on "
            "Android phones, the security firm Lookout said.",
        ),
        "cyber",
    )
    assert spyware.claim_status == "reported"
    statement = only(
        run(
            "North Korea says it will cut hotline",
            "North Korea will cut the military hotline with the South, the North Korean "
            "military said in a statement on Tuesday.",
        ),
        "diplomacy",
    )
    assert statement.claim_status == "claimed"


def test_a_site_followed_by_launch_site_is_a_place_not_a_weapon() -> None:
    event = only(
        run(
            "N. Korea fires new type of short-range missile off east coast",
            "North Korea has launched a short-range missile from its Musudan-ri rocket launch "
            "site on the country's east coast, a South Korean government official said Friday.",
        ),
        "missile_test",
    )
    assert _place(event) == "Tonghae Satellite Launching Ground"
    # the missile named after the site is still no place
    named = only(
        run("North Korea tests Musudan missile", "North Korea fired a Musudan missile on Friday."),
        "missile_test",
    )
    assert _place(named) != "Tonghae Satellite Launching Ground"


def test_what_an_official_body_says_others_did_is_not_its_own_act() -> None:
    event = only(
        run(
            "Hackers traced in power plant breach",
            "Suspicions grew on Thursday that North Korea was behind the hacking of the nuclear "
            "power operator. The district prosecutors' office said Thursday that the hackers sent "
            "emails containing malware to hundreds of workers.",
        ),
        "cyber",
    )
    assert event.claim_status == "reported"


def test_an_official_body_saying_it_acted_still_acted() -> None:
    event = only(
        run(
            "Coast guard seizes ship",
            "South Korea's coast guard said it had seized a cargo ship suspected of carrying North "
            "Korean coal in breach of sanctions.",
        ),
        "border_maritime",
    )
    assert event.claim_status == "confirmed"


def test_a_city_and_its_country_after_from_are_a_place_not_a_doer() -> None:
    event = only(
        run(
            "Phishing campaign hits shipbuilder",
            "The intruders used addresses from Shenyang, China and sent thousands of emails to "
            "the shipbuilder's staff last week, a security researcher said.",
        ),
        "cyber",
    )
    assert event.claim_status == "reported"


def test_city_police_and_national_police_confirm_what_they_found() -> None:
    event = only(
        run(
            "Hackers stole court data",
            "North Korean hackers stole data from a South Korean court network over two years, "
            "Seoul police said Saturday.",
        ),
        "cyber",
    )
    assert event.claim_status == "confirmed"


def test_a_headline_may_open_with_the_us_as_its_source() -> None:
    event = only(
        run(
            "US says North Korean programmer charged over bank heist",
            "A programmer accused of working for the North Korean government was charged on "
            "Thursday over a series of cyberattacks that stole millions from banks.",
        ),
        "cyber",
    )
    assert event.claim_status == "confirmed"


def test_a_security_council_session_on_human_rights_sits_at_un_headquarters() -> None:
    event = only(
        run(
            "Council debates human rights in North Korea",
            "The UN Security Council held its first meeting on human rights in North Korea on "
            "Monday, after a report on crimes against humanity in its prison camps.",
        ),
        "humanitarian",
    )
    assert _place(event) == "United Nations Headquarters"


def test_the_government_in_a_capital_is_the_state_not_a_place() -> None:
    event = only(
        run(
            "Missile defence talks to start",
            "The government in Seoul will explore the earliest possible deployment of a US "
            "missile defence system, the deputy defence minister said on Sunday.",
        ),
        "defense_policy",
    )
    assert _place(event) != "Seoul"


def test_a_firm_named_after_a_place_is_not_that_place() -> None:
    event = only(
        run(
            "Treasury designates North Korean bank",
            "The Treasury on Tuesday designated the Korea Daesong Bank and the Tanchon Commercial "
            "Bank for financing the North's weapons programmes.",
        ),
        "sanctions",
    )
    assert _place(event) in {None, "North Korea"}


def test_a_bank_in_a_city_still_places_the_money_there() -> None:
    event = only(
        run(
            "Frozen North Korean funds released",
            "North Korean funds frozen in a Macau bank were released on Thursday, the territory's "
            "government said.",
        ),
        "sanctions",
    )
    assert _place(event) == "Macau"


def test_a_meeting_with_the_norths_leader_and_no_venue_is_in_pyongyang() -> None:
    event = only(
        run(
            "Envoy meets North Korean leader",
            "China's special envoy held talks with North Korea's Kim Jong Un on Friday and "
            "delivered a personal letter from the Chinese president.",
        ),
        "diplomacy",
    )
    assert _place(event) == "Pyongyang"


def test_a_summit_abroad_with_the_norths_leader_stays_in_its_city() -> None:
    event = only(
        run(
            "Leaders meet in Vladivostok",
            "Russian President Vladimir Putin met North Korean leader Kim Jong Un in Vladivostok "
            "on Thursday for their first summit.",
        ),
        "diplomacy",
    )
    assert _place(event) == "Vladivostok"


def test_a_garrison_on_an_island_is_on_the_island_not_in_its_prefecture() -> None:
    event = only(
        run(
            "Japan opens island garrison",
            "Japan's Ground Self-Defense Force opened a garrison on Yonaguni Island in Okinawa "
            "Prefecture on Monday and deployed surveillance radar units there.",
        ),
        "defense_policy",
    )
    assert _place(event) == "Yonaguni Island"


def test_a_sitting_leader_named_alone_still_acts_for_his_government() -> None:
    event = only(
        run(
            "Biden signs order on North Korean trade",
            "Biden signs an executive order targeting foreign banks that finance trade with North "
            "Korea, widening sanctions on Pyongyang.",
        ),
        "sanctions",
    )
    assert event.claim_status == "confirmed"


def test_a_meeting_known_only_from_kcna_is_claimed() -> None:
    event = only(
        run(
            "North Korean delegation visits Laos",
            "According to the Korean Central News Agency, a senior party official met the head "
            "of Laos' ruling party's external relations committee in Vientiane on Friday.",
        ),
        "diplomacy",
    )
    assert event.claim_status == "claimed"


def test_kcna_elsewhere_in_the_story_does_not_make_a_held_meeting_a_claim() -> None:
    event = only(
        run(
            "Six-party talks open in Beijing",
            "Diplomats from the two Koreas, the United States, Japan, Russia and China held "
            "talks at the Diaoyutai State Guest House on Wednesday. North Korea's KCNA news "
            "agency separately demanded that Washington drop its demands.",
        ),
        "diplomacy",
    )
    assert event.claim_status == "confirmed"


def test_a_text_under_a_kcna_dateline_is_the_norths_own_claim() -> None:
    event = only(
        run(
            "Envoy meets Chinese party official",
            "Pyongyang, May 22 (KCNA) -- A special envoy of the leader met and had a friendly talk "
            "with the head of the Chinese party's international department in Beijing.",
        ),
        "diplomacy",
    )
    assert event.claim_status == "claimed"


def test_the_norths_own_ministry_named_after_it_does_not_confirm() -> None:
    from app.extraction.claims import confirming_authority
    from app.extraction.text import article_sentences

    own, foreign = article_sentences(
        "",
        "A spokesman for the Foreign Ministry of the DPRK confirmed on Thursday that the launch "
        "took place. A spokesman for the Foreign Ministry of Japan confirmed on Thursday that "
        "the launch took place.",
    )
    assert confirming_authority(own) is None
    assert confirming_authority(foreign) is not None


def test_a_post_someone_is_named_to_and_a_target_are_not_speakers() -> None:
    appointed = only(
        run(
            "North Korea names new foreign minister",
            "North Korea appointed Choe Son Hui as its new foreign minister, state media said on "
            "Saturday.",
        ),
        "domestic",
    )
    drill = only(
        run(
            "Drill targets presidential palace",
            "Kim Jong Un watched a drill by special forces targeting the presidential Blue House, "
            "state media said on Sunday.",
        ),
        "military_exercise",
    )
    assert appointed.claim_status == "claimed"
    assert drill.claim_status == "claimed"


def test_the_presidential_office_speaks_for_the_south() -> None:
    event = only(
        run(
            "President names new ministers",
            "Kim was tapped as the new unification minister in a cabinet reshuffle, the "
            "presidential office said on Friday.",
        ),
        "domestic",
    )
    assert event.claim_status == "confirmed"


def test_an_office_named_after_a_place_is_not_that_place() -> None:
    event = only(
        run(
            "Special pardons granted",
            "The president granted special pardons to politicians including former South "
            "Gyeongsang Gov. Kim Kyoung-soo on Tuesday.",
        ),
        "domestic",
    )
    assert _place(event) != "South Gyeongsang Province"


def test_where_a_launch_came_from_outranks_the_sea_of_the_headline() -> None:
    event = only(
        run(
            "North Korea fires missile into the East Sea",
            "The projectile was fired at around 10:30 a.m. from a site in its northwestern "
            "province of Chagang, the Joint Chiefs of Staff said.",
        ),
        "missile_test",
    )
    assert _place(event) == "Chagang Province"


def test_prosecutors_and_a_state_returning_remains_act_officially() -> None:
    indicted = only(
        run(
            "Prosecutors indict suspected spies",
            "Prosecutors indicted four activists on charges of spying for North Korea on Monday.",
        ),
        "domestic",
    )
    assert indicted.claim_status == "confirmed"


def test_an_official_act_told_by_activists_rests_on_them() -> None:
    event = only(
        run(
            "Refugees sent back",
            "China has repatriated all 31 North Korean refugees it arrested last month, activists "
            "said on Friday.",
        ),
        "humanitarian",
    )
    assert event.claim_status == "reported"


def test_an_election_result_is_an_official_count_but_partial_returns_are_not() -> None:
    won = only(
        run(
            "Opposition candidate wins presidential election",
            "The opposition candidate won Wednesday's presidential election by a narrow margin.",
        ),
        "domestic",
    )
    partial = only(
        run(
            "Ruling party leads",
            "The ruling party won a majority in the parliamentary elections, according to "
            "partial returns.",
        ),
        "domestic",
    )
    assert won.claim_status == "confirmed"
    assert partial.claim_status != "confirmed"


def test_the_norths_reactors_are_at_yongbyon_unless_they_are_kedos() -> None:
    own = only(
        run(
            "IAEA chief: nuclear work advancing",
            "The North has continued construction of the light-water reactor and largely "
            "completed work on the exterior of its buildings, the IAEA chief said.",
        ),
        "nuclear",
    )
    kedo = run(
        "KEDO board meets",
        "The KEDO board decided to suspend construction of the light-water reactor project.",
    )
    assert _place(own) == "Yongbyon Nuclear Scientific Research Center"
    assert all(_place(e) != "Yongbyon Nuclear Scientific Research Center" for e in kedo)


def test_where_a_report_was_monitored_is_not_its_speaker() -> None:
    monitored = only(
        run(
            "Kim oversees artillery firing drill",
            "The KCNA report monitored in Seoul said Kim ordered the artillery firing drill.",
        ),
        "artillery",
    )
    assert monitored.claim_status == "claimed"


def test_artillery_fired_from_a_county_by_its_revised_romanization_is_placed_there() -> None:
    event = only(
        run(
            "North Korea fires artillery into the buffer zone",
            "North Korea fired more than 100 artillery rounds into the West Sea buffer zone from "
            "the area of Yeonan-gun, South Hwanghae, the military said.",
        ),
        "artillery",
    )
    assert _place(event) == "Yonan County"


def test_a_capital_naming_its_government_attributively_is_not_a_place() -> None:
    event = only(
        run(
            "North Korea defined as enemy in Seoul defense paper",
            "South Korea described the North Korean regime as an enemy in its defence white "
            "paper, the defence ministry said on Monday.",
        ),
        "defense_policy",
    )
    assert _place(event) != "Seoul"
