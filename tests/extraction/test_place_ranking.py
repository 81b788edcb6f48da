"""How the event's place is chosen among the places an excerpt names."""

from __future__ import annotations

from app.extraction.places import place_mentions
from app.extraction.text import article_sentences
from tests.extraction.test_core import km, only, run

SEOUL = (37.57, 126.98)


def test_a_town_on_the_coast_outranks_the_coastline_it_stands_on() -> None:
    event = only(
        run(
            "North Korea moves rocket launchers east",
            "North Korea has moved two mobile rocket launchers to Hamhung at its eastern coast, "
            "a government source in Seoul said on Monday, in preparation for a missile launch.",
            published="2026-03-02T03:00:00Z",
            source="Yonhap",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Hamhung"


def test_a_coastline_alone_still_places_a_launch_in_its_sea() -> None:
    event = only(
        run(
            "North Korea fires ballistic missile off its east coast",
            "North Korea fired a short-range ballistic missile off its east coast on Tuesday, "
            "South Korea's Joint Chiefs of Staff said.",
            published="2026-03-03T03:00:00Z",
            source="Yonhap",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Sea of Japan"


def test_a_province_named_for_a_flood_outranks_the_coast_the_rains_hit() -> None:
    event = only(
        run(
            "UN agency sends food to flood-hit North Korea",
            "The World Food Programme said on Friday it had sent 2,000 tonnes of maize to flood "
            "victims on the east coast of North Korea, where rains destroyed homes and crops in "
            "Kangwon Province last week.",
            published="2026-08-14T03:00:00Z",
            source="Reuters",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.precision == "province"


def test_a_detainee_freed_by_the_north_was_freed_there_not_where_he_flew_to() -> None:
    event = only(
        run(
            "North Korea frees detained Canadian pastor",
            "North Korea has released a Canadian pastor held for two years, state media said. "
            "The pastor arrived in Beijing on a commercial flight on Sunday and told reporters "
            "he was tired but well.",
            published="2026-04-12T03:00:00Z",
            source="Reuters",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.name == "Pyongyang"


def test_a_deportation_by_another_state_stays_where_that_state_held_them() -> None:
    event = only(
        run(
            "China sends defectors back",
            "Chinese authorities in Shenyang deported dozens of North Korean defectors to the "
            "North on Monday, a human rights group said.",
            published="2026-04-13T03:00:00Z",
            source="Reuters",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.name == "Shenyang"


def test_where_an_official_told_reporters_is_not_where_the_aid_stopped() -> None:
    event = only(
        run(
            "UN agency to end food aid to North Korea",
            "The head of the UN food agency told reporters in Bangkok on Thursday that it will "
            "stop all emergency food aid in North Korea by the end of the month.",
            published="2026-05-14T03:00:00Z",
            source="AP",
        ),
        "humanitarian",
    )
    assert event.location is None or event.location.name != "Bangkok"


def test_a_city_followed_by_its_country_based_is_a_residence_not_a_place() -> None:
    event = only(
        run(
            "UN watchdog probes South Korean uranium enrichment experiment",
            "The UN nuclear watchdog is investigating a uranium enrichment experiment by South "
            "Korean scientists, disclosed in a report sent to the Vienna, Austria-based "
            "International Atomic Energy Agency, officials said.",
            published="2026-05-15T03:00:00Z",
            source="AP",
        ),
        "nuclear",
    )
    assert event.location is None or event.location.name != "Vienna"


def test_a_distance_from_the_border_written_without_a_space_is_a_reference_not_a_place() -> None:
    event = only(
        run(
            "Tunnel work resumes at North Korea's nuclear test site",
            "North Korea is building a new uranium enrichment facility just 80km from the "
            "Chinese border, a US think tank said on Friday, citing satellite images.",
            published="2026-06-12T03:00:00Z",
            source="Reuters",
        ),
        "nuclear",
    )
    assert event.location is not None and event.location.name != "China–North Korea border"


def test_an_earlier_meeting_recalled_is_not_the_venue_of_todays_talks() -> None:
    event = only(
        run(
            None,  # type: ignore[arg-type]  # feeds without a title: the first sentence stands in
            "North Korean Foreign Minister Choe hailed last month's summit between Kim Jong Un "
            "and Russian President Putin in Beijing as a turning point, Russian media said "
            "Monday. Choe spoke at the talks with her Russian counterpart, Sergei Lavrov, in "
            "Moscow on Monday.",
            published="2026-10-27T03:00:00Z",
            source="Yonhap",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.name == "Moscow"


def test_bombers_flying_from_a_base_abroad_do_not_place_the_drill_there() -> None:
    event = only(
        run(
            "US bombers join allied drill over South Korea",
            "Two US B-1B bombers from Andersen Air Force Base in Guam joined a combined air "
            "exercise with South Korean fighter jets on Monday, the Joint Chiefs of Staff said.",
            published="2026-07-06T03:00:00Z",
            source="Yonhap",
        ),
        "military_exercise",
    )
    assert event.location is None or event.location.name not in {
        "Andersen Air Force Base",
        "Hagatna",
    }


def test_troops_brought_in_from_bases_abroad_do_not_place_the_drill_there() -> None:
    event = only(
        run(
            "South Korea, US begin annual joint exercise",
            "South Korea and the United States began their annual joint military exercise on "
            "Monday, officials said. About 3,000 US troops were brought in from military bases "
            "in Guam and Japan for the drills.",
            published="2026-08-17T03:00:00Z",
            source="Yonhap",
        ),
        "military_exercise",
    )
    assert event.location is None or event.location.name != "Hagatna"


def test_a_speech_on_the_last_day_of_the_general_assembly_was_given_at_un_headquarters() -> None:
    event = only(
        run(
            None,  # type: ignore[arg-type]  # feeds without a title: the first sentence stands in
            "On the last day of the 80th United Nations General Assembly, North Korea's envoy "
            "denounced joint military drills in the South as hostile acts and rejected talks "
            "with Washington.",
            published="2026-09-30T03:00:00Z",
            source="Yonhap",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.name == "United Nations Headquarters"


def test_a_court_named_after_its_city_sits_there() -> None:
    event = only(
        run(
            "Former minister jailed for spying for North Korea",
            "The Seoul Central District Court on Friday sentenced a former deputy minister to "
            "seven years in prison for passing military secrets to North Korean agents.",
            published="2026-02-06T03:00:00Z",
            source="Yonhap",
        ),
        "domestic",
    )
    # the court itself where the gazetteer knows it, else its city
    assert event.location is not None and event.location.lat is not None
    assert km((event.location.lat, event.location.lon), SEOUL) < 20  # type: ignore[arg-type]


def test_the_souths_supreme_court_sits_in_seoul() -> None:
    event = only(
        run(
            "Top court upholds prison term for spy ring leader",
            "The Supreme Court of Korea on Thursday upheld a 15-year prison term for the leader "
            "of a spy ring that took orders from North Korea's intelligence agency.",
            published="2026-02-12T03:00:00Z",
            source="Yonhap",
        ),
        "domestic",
    )
    # the court itself where the gazetteer knows it, else its city
    assert event.location is not None and event.location.lat is not None
    assert km((event.location.lat, event.location.lon), SEOUL) < 20  # type: ignore[arg-type]


def test_a_missile_falling_into_the_sea_west_of_hokkaido_fell_in_the_sea_of_japan() -> None:
    event = only(
        run(
            "North Korea fires long-range missile",
            "North Korea fired a long-range ballistic missile on Monday that flew for about 70 "
            "minutes before falling into the sea west of Japan's Hokkaido, Japan's defence "
            "ministry said.",
            published="2026-11-02T03:00:00Z",
            source="Kyodo",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Sea of Japan"


def test_a_missile_falling_into_the_pacific_east_of_japan_is_not_placed_in_the_sea_of_japan() -> (
    None
):
    event = only(
        run(
            "North Korea fires missile over Japan",
            "North Korea fired an intermediate-range ballistic missile over Japan on Tuesday that "
            "fell into the Pacific off Japan's east coast, Japan's defence ministry said.",
            published="2026-11-03T03:00:00Z",
            source="Kyodo",
        ),
        "missile_test",
    )
    assert event.location is None or event.location.name != "Sea of Japan"


def test_a_nuclear_test_still_to_come_does_not_place_the_news_at_punggye_ri() -> None:
    event = only(
        run(
            "Kim Jong Un inspects nuclear warheads",
            "North Korean leader Kim Jong Un inspected new tactical nuclear warheads on Monday, "
            "state media said, amid signs of preparations for a nuclear test.",
            published="2026-03-28T03:00:00Z",
            source="Yonhap",
        ),
        "nuclear",
    )
    assert event.location is None or event.location.name != "Punggye-ri Nuclear Test Site"


def test_a_port_a_ship_is_scheduled_to_reach_is_not_where_it_is_now() -> None:
    event = only(
        run(
            "Aid ship leaves for North Korea",
            "A cargo ship carrying 20,000 tonnes of US food aid for North Korea left Seattle on "
            "Friday and is scheduled to arrive at the North's port of Nampo next month, the aid "
            "group said.",
            published="2026-10-17T03:00:00Z",
            source="Yonhap",
        ),
        "humanitarian",
    )
    assert event.location is None or event.location.name != "Nampo"


def test_a_ship_to_ship_transfer_is_placed_where_the_ships_were_seen() -> None:
    event = only(
        run(
            "Japan reports suspected sanctions-busting transfer at sea",
            "Japan's foreign ministry said on Friday that a North Korean tanker was suspected of "
            "a ship-to-ship transfer of fuel banned by UN sanctions. A Japanese patrol plane "
            "spotted the tanker alongside a Chinese-flagged vessel in the East China Sea.",
            published="2026-05-29T03:00:00Z",
            source="Kyodo",
        ),
        "sanctions",
    )
    assert event.location is not None and event.location.name == "East China Sea"


def test_a_sanctions_decision_on_ships_takes_no_place_from_other_sentences() -> None:
    event = only(
        run(
            "Japan extends sanctions on North Korea",
            "Japan extended its sanctions on North Korea on Friday, banning port calls by North "
            "Korean ships for another two years. The sanctions were first imposed after the "
            "North fired missiles over the Sea of Japan.",
            published="2026-04-10T03:00:00Z",
            source="Kyodo",
        ),
        "sanctions",
    )
    assert event.location is None or event.location.precision == "country"


def test_a_site_on_the_border_line_is_where_on_the_line_it_happened() -> None:
    event = only(
        run(
            "North Korean man crosses the border into the South",
            "A North Korean man crossed the inter-Korean border on Tuesday and was taken into "
            "custody by South Korean troops, the Joint Chiefs of Staff said. He was first spotted "
            "by a guard post near the Goseong Unification Observatory, the military said.",
            published="2026-02-17T03:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.name == "Goseong Unification Observatory"


def test_a_town_far_from_the_border_line_does_not_replace_it() -> None:
    event = only(
        run(
            "North Korean soldier crosses the border",
            "A North Korean soldier crossed the inter-Korean border on Tuesday, the Joint Chiefs "
            "of Staff said. He was later flown to a military hospital in Busan for treatment.",
            published="2026-02-18T03:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.name == "Korean Demilitarized Zone"


def test_the_truce_village_is_a_site_on_the_border_line() -> None:
    # labelling.md: the JSA is a facility (site precision), so named after the DMZ it is where
    # on the line the incursion happened
    event = only(
        run(
            "North Korean troops enter the DMZ",
            "Dozens of North Korean soldiers moved into the Demilitarized Zone on Saturday, the "
            "defence ministry said. They were seen inside the Joint Security Area for about an "
            "hour before pulling back.",
            published="2026-10-05T03:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.name == "Joint Security Area"
    assert event.location.precision == "site"


def test_capitals_listed_together_are_governments_not_places() -> None:
    event = only(
        run(
            "Allies hold video call on North Korea",
            "Senior diplomats from Seoul, Tokyo, Canberra and Ottawa held a video conference on "
            "North Korea's missile programme on Friday, South Korea's foreign ministry said.",
            published="2026-06-12T03:00:00Z",
            source="Yonhap",
        ),
        "diplomacy",
    )
    assert event.location is None or event.location.precision == "country"


def test_support_from_a_capital_is_from_its_government() -> None:
    events = run(
        "Iran's missile programme got help from North Korea, UN panel says",
        "North Korea shipped missile parts to Iran last year, and Iran's Revolutionary Guards "
        "received technical support from Pyongyang for their satellite launcher, a confidential "
        "UN panel report said on Tuesday.",
        published="2026-06-09T03:00:00Z",
        source="Reuters",
    )
    assert events
    assert all(e.location is None or e.location.name != "Pyongyang" for e in events)


def test_a_capital_after_a_journey_word_is_still_a_place() -> None:
    event = only(
        run(
            "Aid plane lands in North Korea",
            "A plane carrying medical aid from the World Health Organization landed in Pyongyang "
            "on Monday, the UN agency said.",
            published="2026-06-08T03:00:00Z",
            source="Reuters",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.name == "Pyongyang"


def test_a_speech_to_the_general_assembly_was_given_at_un_headquarters() -> None:
    event = only(
        run(
            "North Korea's minister warns the US at the UN",
            "North Korea's foreign minister accused Washington of hostility on Saturday, telling "
            "the United Nations General Assembly that his country would never give up its "
            "deterrent.",
            published="2026-09-26T18:00:00Z",
            source="AP",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.id == "us-un-headquarters"


def test_where_a_spokesman_sits_in_a_capital_is_not_where_the_drill_is() -> None:
    event = only(
        run(
            "US and South Korea begin spring drills",
            "South Korean and US troops began their annual spring exercise on Monday. "
            '"The drills are purely defensive," said a spokesman for the combined forces command '
            "in Seoul.",
            published="2026-03-09T03:00:00Z",
            source="AP",
        ),
        "military_exercise",
    )
    assert event.location is None or event.location.name != "Seoul"


def test_officials_met_in_a_capital_are_where_the_talks_were() -> None:
    event = only(
        run(
            "North Korean envoy holds talks in China",
            "North Korea's nuclear envoy met with senior officials in Beijing on Tuesday to "
            "discuss a return to negotiations, China's foreign ministry said.",
            published="2026-03-10T03:00:00Z",
            source="AFP",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.name == "Beijing"


def test_a_place_of_an_earlier_happening_told_for_time_is_not_this_ones() -> None:
    event = only(
        run(
            "South Korea ships flu medicine to the North",
            "South Korea sent 400,000 doses of flu medicine to North Korea on Friday, the "
            "unification ministry said. The shipment came two weeks after the North fired "
            "artillery shells into the Yellow Sea.",
            published="2026-12-11T03:00:00Z",
            source="Yonhap",
        ),
        "humanitarian",
    )
    assert event.location is None or event.location.name != "Yellow Sea"


def test_a_place_named_before_weeks_after_is_still_this_happenings() -> None:
    event = only(
        run(
            "South Korea ships flu medicine to the North",
            "South Korea sent 400,000 doses of flu medicine to North Korea on Friday, the "
            "unification ministry said. The cargo was unloaded at the port of Nampo, two weeks "
            "after the North fired artillery shells into the Yellow Sea.",
            published="2026-12-11T03:00:00Z",
            source="Yonhap",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.name == "Nampo"


def test_a_city_an_official_visited_is_not_where_the_drill_flew() -> None:
    event = only(
        run(
            "US bombers fly training mission over South Korea",
            "Two US B-1B bombers flew a training mission over South Korea on Friday as part of "
            "the allies' joint exercise, the deputy defence secretary said during a visit to "
            "Seoul.",
            published="2026-04-03T03:00:00Z",
            source="AP",
        ),
        "military_exercise",
    )
    assert event.location is None or event.location.name != "Seoul"


def test_a_capital_the_text_says_a_meeting_was_held_in_is_its_venue() -> None:
    event = only(
        run(
            "Koreas hold ministerial talks",
            "Ministers of the two Koreas ended talks on Friday with an agreement to reopen a "
            "liaison channel. "
            "The South's minister announced the deal to reporters in the North Korean capital, "
            "Pyongyang, where the three-day meeting was held.",
            published="2026-04-10T09:00:00Z",
            source="AFP",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.name == "Pyongyang"


def test_officials_in_a_capital_who_speak_there_do_not_make_it_a_place() -> None:
    sentence = article_sentences(
        "Troops leave the front",
        "Officials in Kyiv have confirmed a withdrawal of North Korean units from the front "
        "line in the Kursk region of western Russia.",
    )[1]
    assert [m.place.name for m in place_mentions(sentence)] == ["Kursk"]


def test_ieo_island_is_ieodo() -> None:
    event = only(
        run(
            "Chinese aircraft enter air defence zone",
            "Two Chinese military aircraft entered South Korea's air defence identification zone "
            "southwest of Ieo Island on Tuesday, the Joint Chiefs of Staff said.",
            published="2026-02-10T09:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.name == "Ieodo"


def test_a_missile_defence_test_abroad_is_placed_at_its_range() -> None:
    event = only(
        run(
            "Japanese destroyer downs target in interceptor test",
            "A Japanese destroyer shot down a mock ballistic missile off Hawaii on Wednesday in "
            "a test of its new interceptors, Japan's Defense Ministry said.",
            published="2026-05-14T03:00:00Z",
            source="Kyodo",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Hawaii"


def test_a_northern_launch_is_never_placed_abroad_even_if_nobody_intercepted_it() -> None:
    event = only(
        run(
            "North Korea fires missile over Japan",
            "North Korea fired a ballistic missile that flew over Hokkaido on Wednesday, and Japan "
            "did not try to intercept the target, Japan's Defense Ministry said.",
            published="2026-05-14T03:00:00Z",
            source="Kyodo",
        ),
        "missile_test",
    )
    assert event.location is None or event.location.name != "Hokkaido"


def test_a_place_dated_by_an_earlier_year_is_another_happenings() -> None:
    event = only(
        run(
            "North Korea executes officials, spy agency says",
            "North Korea has executed two senior party officials this year, South Korea's spy "
            "agency told lawmakers on Tuesday. One of them had run a party office in North "
            "Hamgyong province in 2019.",
            published="2026-06-09T03:00:00Z",
            source="Reuters",
        ),
        "domestic",
    )
    assert event.location is None or event.location.lat is None


def test_a_place_dated_by_the_day_stays_the_events() -> None:
    event = only(
        run(
            "North Korea executes officials, spy agency says",
            "North Korea has executed two senior party officials this year, South Korea's spy "
            "agency told lawmakers on Tuesday. One of them was shot in North Hamgyong province "
            "on Monday.",
            published="2026-06-09T03:00:00Z",
            source="Reuters",
        ),
        "domestic",
    )
    assert event.location is not None and event.location.precision == "province"


def test_the_sea_border_off_the_east_coast_is_the_eastern_one() -> None:
    event = only(
        run(
            "North Korean fishing boat crosses sea border",
            "A North Korean fishing boat with four people on board crossed the maritime border "
            "off the east coast on Friday and was towed to a South Korean port, the Joint Chiefs "
            "of Staff said.",
            published="2026-07-04T03:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.id == "kr-eastern-sea-border"


def test_the_sea_border_near_the_western_islands_stays_the_western_one() -> None:
    event = only(
        run(
            "North Korean fishing boat crosses sea border",
            "A North Korean fishing boat crossed the maritime border near Yeonpyeong Island on "
            "Friday before returning north, the Joint Chiefs of Staff said. Officials said the "
            "crew later sailed up the east coast.",
            published="2026-07-04T03:00:00Z",
            source="Yonhap",
        ),
        "border_maritime",
    )
    assert event.location is not None and event.location.id != "kr-eastern-sea-border"


def test_a_capital_after_a_locative_and_a_compass_word_is_a_place() -> None:
    event = only(
        run(
            "North Korean defector found dead in Seoul",
            "A North Korean defector was found dead in her flat in northern Seoul on Monday, "
            "police said, months after she told the Unification Ministry she had no food.",
            published="2026-04-07T03:00:00Z",
            source="Yonhap",
        ),
        "humanitarian",
    )
    assert event.location is not None and event.location.name == "Seoul"


def test_officials_in_central_seoul_are_speakers_not_the_place() -> None:
    sentences = article_sentences(
        "", "Officials in central Seoul said the North had moved troops to the border on Monday."
    )
    assert "kr-seoul" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_a_capital_fronted_before_a_speakers_words_is_not_the_place() -> None:
    sentences = article_sentences(
        "",
        "In Tokyo, a government spokesman who asked not to be named said the two sailors were "
        "being held by border guards.",
    )
    assert "jp-tokyo" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_a_capital_fronted_before_a_meeting_or_a_happening_stays_a_place() -> None:
    met = article_sentences(
        "", "In Tokyo, the two envoys met on Friday and said they would keep talking."
    )
    held = article_sentences(
        "", "In Seoul, thousands of people rallied on Saturday against the deployment."
    )
    assert "jp-tokyo" in [m.place.id for s in met for m in place_mentions(s)]
    assert "kr-seoul" in [m.place.id for s in held for m in place_mentions(s)]


def test_a_place_a_few_miles_away_is_where_it_happened() -> None:
    sentences = article_sentences(
        "",
        "The North placed rocket launchers on an islet less than three miles from Yeonpyeong Island.",
    )
    cues = {m.place.id: m.cue for s in sentences for m in place_mentions(s)}
    assert cues.get("kr-yeonpyeong-island") == "near"


def test_a_place_hundreds_of_km_away_is_only_a_reference_for_the_distance() -> None:
    sentences = article_sentences(
        "", "The missile flew for 20 minutes and landed about 350 km east of Wonsan."
    )
    assert "kp-wonsan" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_the_base_bombers_left_abroad_is_not_where_the_drill_was() -> None:
    event = only(
        run(
            "US bombers fly over Korean Peninsula in drill",
            "Two US B-1B bombers staged a drill with South Korean fighter jets over the Korean "
            "Peninsula on Tuesday after leaving their base in Guam, South Korea's Joint Chiefs of "
            "Staff said.",
            published="2026-09-02T03:00:00Z",
            source="Yonhap",
        ),
        "military_exercise",
    )
    assert event.location is None or event.location.country != "GU"


def test_reprocessing_spent_fuel_rods_in_the_north_is_at_yongbyon() -> None:
    event = only(
        run(
            "North Korea says it has reprocessed more spent fuel",
            "North Korea said on Monday it had finished reprocessing its spent fuel rods, "
            "extracting more plutonium for its nuclear weapons, state media reported.",
            published="2026-10-06T03:00:00Z",
            source="Reuters",
        ),
        "nuclear",
    )
    assert event.location is not None and event.location.id.startswith("kp-yongbyon")


def test_the_norths_leader_with_a_visiting_head_of_government_is_at_home() -> None:
    event = only(
        run(
            "Kim Jong Un holds talks with Laotian leader",
            "North Korean leader Kim Jong Un told visiting Laotian President Thongloun Sisoulith "
            "on Tuesday that the two countries would expand trade, state media said.",
            published="2026-11-10T03:00:00Z",
            source="Reuters",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.name == "Pyongyang"


def test_here_in_the_events_sentence_is_the_datelines_place() -> None:
    event = only(
        run(
            "US, South Korean troops begin combined drill",
            "CAMP HUMPHREYS, South Korea — American and South Korean soldiers began a combined "
            "air assault exercise here on Monday, the Eighth Army said.",
            published="2026-03-17T03:00:00Z",
            source="Stars and Stripes",
        ),
        "military_exercise",
    )
    assert event.location is not None and event.location.name == "Camp Humphreys"


def test_officials_here_do_not_make_the_dateline_the_place() -> None:
    event = only(
        run(
            "North Korea fires ballistic missile",
            "SEOUL — North Korea fired a ballistic missile on Monday, officials here said.",
            published="2026-03-17T03:00:00Z",
            source="Reuters",
        ),
        "missile_test",
    )
    assert event.location is None or event.location.name != "Seoul"


def test_a_venue_put_in_another_city_is_that_citys_namesake() -> None:
    sentences = article_sentences(
        "", "The two envoys met at the Shangri-La Hotel in Bangkok on Monday for talks."
    )
    ids = [m.place.id for s in sentences for m in place_mentions(s)]
    assert "sg-shangri-la-hotel" not in ids and "th-bangkok" in ids


def test_a_venue_in_its_own_city_stays_the_venue() -> None:
    sentences = article_sentences(
        "", "The two envoys met at the Shangri-La Hotel in Singapore on Monday for talks."
    )
    assert "sg-shangri-la-hotel" in [m.place.id for s in sentences for m in place_mentions(s)]


def test_the_region_after_a_name_tells_namesakes_apart() -> None:
    def ids(text: str) -> list[str]:
        return [m.place.id for s in article_sentences("", text) for m in place_mentions(s)]

    assert "kr-gwangju-gyeonggi" in ids(
        "The ceremony was held at an army school in Gwangju, Gyeonggi Province, on Monday."
    )
    assert "kr-gwangju" in ids("Thousands marched in Gwangju on Monday to mark the uprising.")


def test_retaliation_from_a_capital_is_its_governments() -> None:
    sentences = article_sentences(
        "", "Prosecutors said the drone flights were meant to provoke retaliation from Pyongyang."
    )
    assert "kp-pyongyang" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_an_office_in_a_city_is_there_but_the_government_in_a_capital_is_the_state() -> None:
    def ids(text: str) -> list[str]:
        return [m.place.id for s in article_sentences("", text) for m in place_mentions(s)]

    assert "kr-busan" in ids("The deal was signed with the port administration in Busan on Monday.")
    assert "kr-seoul" not in ids("The deal worries the government in Seoul, analysts said.")


def test_an_intercept_test_is_where_the_interceptor_fired_not_where_the_target_flew_from() -> None:
    event = only(
        run(
            "US destroyer downs mock ICBM in test",
            "A US Navy destroyer shot down a mock ICBM in a test off Hawaii on Tuesday, firing an "
            "interceptor at the target launched from Kwajalein Atoll, the Missile Defense Agency "
            "said.",
            published="2026-11-18T03:00:00Z",
            source="Reuters",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.name == "Hawaii"


def test_thousands_of_km_from_a_place_is_not_close_by() -> None:
    sentences = article_sentences(
        "", "The target flew from an atoll some 4,000 kilometers from Hawaii."
    )
    assert "us-hawaii" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_a_so_called_place_is_a_name_not_where_it_was() -> None:
    sentences = article_sentences(
        "", "Police arrested three members of the so-called Jeonju spy ring on Friday."
    )
    assert "kr-jeonju" not in [m.place.id for s in sentences for m in place_mentions(s)]


def test_a_sea_is_never_where_a_defence_policy_was_made() -> None:
    event = only(
        run(
            "Japan to keep Aegis destroyers on alert",
            "Japan's defense ministry said on Tuesday it would keep two Aegis destroyers deployed "
            "in the Sea of Japan under a new missile defense policy.",
            published="2026-05-05T03:00:00Z",
            source="Reuters",
        ),
        "defense_policy",
    )
    assert event.location is None or event.location.precision != "sea"


def test_an_island_in_a_sea_still_places_a_deployment() -> None:
    event = only(
        run(
            "South Korea deploys more rocket launchers to border islands",
            "South Korea has deployed additional multiple rocket launchers on Yeonpyeong Island "
            "in the Yellow Sea, the defense ministry said on Monday.",
            published="2026-05-05T03:00:00Z",
            source="Reuters",
        ),
        "defense_policy",
    )
    assert event.location is not None and event.location.name == "Yeonpyeong Island"


def test_a_place_a_weapon_is_aimed_towards_is_a_direction_not_the_place() -> None:
    event = only(
        run(
            "North Korea deploys new missile launchers",
            "North Korea has deployed new mobile missile launchers aimed towards Guam, South "
            "Korea's military said on Monday.",
            published="2026-05-05T03:00:00Z",
            source="Reuters",
        ),
        "defense_policy",
    )
    assert event.location is None or event.location.lat is None


def test_a_border_line_is_the_topic_of_talks_not_their_venue() -> None:
    event = only(
        run(
            "North Korea rejects offer of talks",
            "North Korea on Friday rejected a South Korean proposal for talks on reopening road "
            "links along the inter-Korean border, state media said.",
            published="2026-08-08T03:00:00Z",
            source="Yonhap",
        ),
        "diplomacy",
    )
    assert event.location is None or event.location.precision != "border"


def test_talks_at_a_site_on_the_border_keep_their_venue() -> None:
    event = only(
        run(
            "Koreas hold military talks at Panmunjom",
            "Military officers of the two Koreas held talks at Panmunjom on Friday on easing "
            "tension along the border, the Unification Ministry said.",
            published="2026-08-08T03:00:00Z",
            source="Yonhap",
        ),
        "diplomacy",
    )
    assert event.location is not None and event.location.precision == "site"
