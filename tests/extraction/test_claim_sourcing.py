"""Claim status by who the excerpt says carried the event out or told of it (labelling guide:
confirmed / claimed / reported). Each case is text written here for one rule of claims.py, with
a near miss the rule must leave alone; the real-text corpus measures them."""

from __future__ import annotations

import datetime as dt

from app.extraction import ArticleInput, ExtractedEvent, extract_article
from app.extraction.claims import _UNANNOUNCED, official_act
from app.extraction.text import article_sentences
from tests.extraction.test_core import only


def _status(title: str, text: str, category: str) -> str:
    """The rules' own status (no second opinion from the models)."""
    article = ArticleInput(
        id="t",
        title=title,
        text=text,
        published=dt.datetime(2026, 5, 27, 1, tzinfo=dt.UTC),
        source="NK News",
    )
    event: ExtractedEvent = only(extract_article(article, second_opinion=False), category)
    return event.claim_status


# --- an official body carried the act out: bodies and acts beyond the lexicon's lists ----------


def test_a_treasury_designation_told_as_targeting_is_its_own_act() -> None:
    assert (
        _status(
            "New sanctions on shipping firms",
            "The Treasury Department on Monday targeted four shipping firms and six tankers with "
            "sanctions for carrying North Korean coal to Chinese ports last year.",
            "sanctions",
        )
        == "confirmed"
    )


def test_a_council_adding_names_to_its_sanctions_list_is_its_own_act() -> None:
    assert (
        _status(
            "More listings over weapons programmes",
            "The Council has added five people and two entities to the list of those subject to "
            "restrictive measures against North Korea over its ballistic missile programme.",
            "sanctions",
        )
        == "confirmed"
    )


def test_a_court_sentencing_is_the_courts_own_act() -> None:
    assert (
        _status(
            "Spy ring leader jailed",
            "A Seoul court on Thursday sentenced a union official to nine years in prison for "
            "spying on military sites under orders from North Korean agents.",
            "domestic",
        )
        == "confirmed"
    )


def test_a_navy_dispatching_its_ships_to_a_drill_carries_it_out() -> None:
    assert (
        _status(
            "Navy joins multinational drill",
            "The South Korean Navy has dispatched two destroyers to a multinational maritime "
            "exercise off Hawaii that focuses on countering missile threats.",
            "military_exercise",
        )
        == "confirmed"
    )


def test_the_north_korean_peoples_army_is_not_an_independent_body() -> None:
    status = _status(
        "Units sent to the front",
        "Commanders of the Korean People's Army were dispatched to front-line units to prepare "
        "for combat, state television said, as Pyongyang raised its military readiness.",
        "defense_policy",
    )
    assert status == "claimed"


def test_an_envoys_arrival_is_the_visit_itself() -> None:
    assert (
        _status(
            "Envoy in Seoul for talks",
            "Washington's special envoy for North Korea arrived in Seoul on Tuesday for talks "
            "with South Korean officials on the stalled nuclear negotiations.",
            "diplomacy",
        )
        == "confirmed"
    )


def test_a_secret_trip_told_by_diplomatic_sources_is_a_report() -> None:
    status = _status(
        "Officials made secret trip",
        "A US delegation visited Pyongyang last month on a secret trip, a South Korean "
        "newspaper said on Monday, citing diplomatic sources in Beijing.",
        "diplomacy",
    )
    assert status == "reported"


# --- police and prosecutors speak for what they found ---------------------------------------


def test_police_unqualified_by_country_speak_for_what_they_found() -> None:
    assert (
        _status(
            "Defector arrested over smuggling",
            "A North Korean defector was arrested in Incheon on Monday for smuggling "
            "medicine across the border to relatives, police said Wednesday.",
            "humanitarian",
        )
        == "confirmed"
    )


def test_prosecutors_speak_for_what_their_inquiry_found() -> None:
    assert (
        _status(
            "Shipbuilder hacked",
            "North Korean hackers broke into the network of a South Korean shipbuilder last "
            "year and stole warship designs, prosecutors have said.",
            "cyber",
        )
        == "confirmed"
    )


def test_an_inquiry_the_police_opened_is_not_their_finding() -> None:
    status = _status(
        "Exchange hit by hackers",
        "A cryptocurrency exchange in Seoul said it was hacked on Sunday and lost coins worth "
        "$20 million. Police said they have launched an investigation into the hacking.",
        "cyber",
    )
    assert status == "reported"


def test_prosecutors_on_a_hack_whose_author_is_only_suspected_do_not_confirm_it() -> None:
    status = _status(
        "Hackers hit defence contractor",
        "Hackers broke into the servers of a defence contractor last month and stole missile "
        "designs, prosecutors said on Monday. Suspicions are growing that North Korea was "
        "behind the attack.",
        "cyber",
    )
    assert status == "reported"


# --- a body's document the press saw, or a preliminary one, is a report ------------------------


def test_a_un_panel_report_seen_by_a_news_agency_is_a_report() -> None:
    status = _status(
        "Front company sold radios",
        "A North Korean front company sold military radios to armed groups in Africa in "
        "violation of sanctions, according to a United Nations panel report seen by AFP.",
        "sanctions",
    )
    assert status == "reported"


def test_a_preliminary_finding_of_un_experts_is_a_report() -> None:
    status = _status(
        "Seized ship broke embargo",
        "A preliminary report by United Nations experts has determined that the North Korean "
        "freighter seized last month carried arms in breach of sanctions.",
        "sanctions",
    )
    assert status == "reported"


def test_a_panel_report_the_un_itself_released_still_confirms() -> None:
    assert (
        _status(
            "Panel lists evasion networks",
            "North Korea earned $300 million from illicit coal exports last year in breach of "
            "sanctions, the United Nations said in a report released on Friday.",
            "sanctions",
        )
        == "confirmed"
    )


# --- the spy agency's word, relayed by lawmakers from a closed briefing --------------------------


def test_a_spy_agency_briefing_relayed_by_lawmakers_is_a_report() -> None:
    status = _status(
        "More shells shipped to Russia",
        "North Korea has shipped more artillery shells to Russia, South Korea's spy agency told "
        "lawmakers on Thursday in a closed-door briefing.",
        "arms_transfer",
    )
    assert status == "reported"


def test_the_spy_agency_speaking_for_itself_still_confirms() -> None:
    assert (
        _status(
            "Spy agency confirms defection",
            "A North Korean diplomat posted in Europe defected to South Korea last month with "
            "his family, the National Intelligence Service confirmed on Thursday.",
            "humanitarian",
        )
        == "confirmed"
    )


# --- a confirmation stated without its agent; the North as a post's object ------------------------


def test_a_launch_stated_as_confirmed_is_confirmed_beside_state_media() -> None:
    status = _status(
        "North fires missile from submarine",
        "The missile North Korea fired on Tuesday off its east coast was confirmed to be a "
        "submarine-launched ballistic missile. The Korean Central News Agency said on "
        "Wednesday that a new type of missile had been test-fired from a submarine.",
        "missile_test",
    )
    assert status == "confirmed"


def test_a_launch_that_could_not_be_confirmed_stays_a_claim() -> None:
    status = _status(
        "North says it tested new missile",
        "The Korean Central News Agency said on Wednesday that a new type of missile had been "
        "test-fired from a submarine. The launch has not been confirmed by Seoul.",
        "missile_test",
    )
    assert status == "claimed"


def test_an_official_posted_for_pyongyang_is_not_the_north_speaking() -> None:
    assert (
        _status(
            "UN appeals for aid to North Korea",
            "The United Nations is seeking $110 million in humanitarian aid for North Korea, the "
            "UN's resident coordinator for Pyongyang said in a report released on Monday.",
            "humanitarian",
        )
        == "confirmed"
    )


# --- the lede tells the headline's event; acts told in the progressive ---------------------------


def test_the_lede_names_the_body_that_acted_on_the_headlines_event() -> None:
    assert (
        _status(
            "Two traders suspected of illegal exports to North Korea",
            "On March 3, the Hyogo Prefectural Police Department filed criminal papers with "
            "prosecutors against two company executives who shipped cosmetics to Nampo.",
            "sanctions",
        )
        == "confirmed"
    )


def test_a_lede_the_press_tells_from_its_sources_is_no_official_act() -> None:
    status = _status(
        "Envoy said to have been purged",
        "North Korean officials held responsible for the failed summit were sent to labour "
        "camps, a South Korean newspaper reported, citing a source in the North.",
        "domestic",
    )
    assert status == "reported"


def test_forces_taking_part_in_a_drill_in_the_progressive_carry_it_out() -> None:
    assert (
        _status(
            "Air drill under way",
            "More than 100 aircraft of the Navy, Marine Corps and Air Force are participating "
            "in a combined air exercise with South Korean fighter jets at Osan this week.",
            "military_exercise",
        )
        == "confirmed"
    )


def test_an_agency_that_added_a_remark_did_not_act() -> None:
    status = _status(
        "Shells shipped to Russia",
        "North Korea has sent a million artillery shells to Russia, the spy agency told "
        "lawmakers in a closed-door briefing. The shipments went by sea, the agency added.",
        "arms_transfer",
    )
    assert status == "reported"


def test_a_spy_agency_raiding_a_lawmakers_office_is_its_own_act() -> None:
    assert (
        _status(
            "Lawmaker under probe over revolt plot",
            "The National Intelligence Service on Tuesday raided the office of Rep. Kim and "
            "detained three of his associates on charges of plotting an armed revolt.",
            "domestic",
        )
        == "confirmed"
    )


# --- official speakers beyond the lexicon's: services, ministries, military authorities ----------


def test_military_authorities_confirming_a_border_incident_confirm_it() -> None:
    assert (
        _status(
            "Soldier fires shots at guard post",
            "A South Korean sentry accidentally fired three rounds at a guard post inside the "
            "demilitarized zone on Friday, military authorities confirmed.",
            "border_maritime",
        )
        == "confirmed"
    )


def test_a_transport_ministry_speaks_for_the_jamming_it_measured() -> None:
    assert (
        _status(
            "GPS jamming hits flights",
            "GPS signals of 120 aircraft near Incheon were jammed from North Korea on Sunday, "
            "the transport ministry said.",
            "border_maritime",
        )
        == "confirmed"
    )


def test_the_north_korean_air_force_is_not_an_independent_speaker() -> None:
    status = _status(
        "Kim watches flight drill",
        "Kim Jong Un watched a bombing drill of the Korean People's Army Air and Anti-Air Force "
        "on Friday, the Korean Central News Agency said.",
        "military_exercise",
    )
    assert status == "claimed"


# --- an authority that has not settled it ----------------------------------------------------------


def test_an_authority_still_verifying_the_norths_claim_makes_it_a_report() -> None:
    status = _status(
        "North fires new rocket launcher",
        "North Korea test-fired a new multiple rocket launcher on Sunday, its state media said. "
        "The South Korean military said it was seeking to verify that claim.",
        "artillery",
    )
    assert status == "reported"


def test_an_authority_the_press_relays_by_quoting_does_not_confirm() -> None:
    status = _status(
        "North tested missile ejection, report says",
        "North Korea tested the ejection of a submarine-launched missile from a barge on "
        "Monday, a newspaper reported, quoting U.S. defense officials.",
        "missile_test",
    )
    assert status == "reported"


def test_an_authority_stating_the_launch_still_confirms_it() -> None:
    assert (
        _status(
            "North fires missile from submarine",
            "North Korea fired a submarine-launched missile off its east coast on Monday, U.S. "
            "defense officials said.",
            "missile_test",
        )
        == "confirmed"
    )


# --- the North's own voice under other names -----------------------------------------------------


def test_radio_pyongyang_alone_makes_it_a_claim() -> None:
    status = _status(
        "Senior general dies",
        "Vice Marshal Ri, a veteran of the Korean War and a member of the Politburo, died of "
        "heart failure on Friday, Radio Pyongyang reported on Saturday.",
        "domestic",
    )
    assert status == "claimed"


def test_the_countrys_official_media_is_the_norths_state_media() -> None:
    status = _status(
        "Kim watches combined drill",
        "North Korean leader Kim Jong Un watched a combined drill of ground, naval and air "
        "units, the country's official media reported on Sunday.",
        "military_exercise",
    )
    assert status == "claimed"


def test_the_north_announcing_in_the_perfect_tense_is_its_claim() -> None:
    status = _status(
        "Satellite launch window set",
        "North Korea has announced that it will launch an earth observation satellite from "
        "Sohae between 10 and 20 April.",
        "space_launch",
    )
    assert status == "claimed"


# --- the Red Cross is not a government body --------------------------------------------------------


def test_a_red_cross_appeal_is_not_an_official_bodys_act() -> None:
    status = _status(
        "Appeal for flood victims",
        "The International Federation of Red Cross and Red Crescent Societies launched an "
        "emergency appeal on Tuesday to help 50,000 flood victims in North Hamgyong.",
        "humanitarian",
    )
    assert status == "reported"


def test_a_unification_ministry_aid_shipment_is_its_own_act() -> None:
    assert (
        _status(
            "Seoul ships flood aid",
            "The unification ministry shipped 5,000 tons of rice to flood victims in North "
            "Korea on Tuesday.",
            "humanitarian",
        )
        == "confirmed"
    )


# --- who is the doer: a function word is no country, "those targeted" are no doers ---------------


def _doer(text: str) -> str | None:
    return official_act(article_sentences(text, "")[0])


def test_a_function_word_before_military_is_no_country() -> None:
    assert _doer("Officials are checking whether military exports to the North stopped.") is None
    assert _doer("The military staged a drill near the border on Monday.") == "The military staged"


def test_those_targeted_by_a_designation_are_not_its_doers() -> None:
    assert _doer("The designations freeze any U.S. assets of those targeted by the order.") is None
    assert _doer("The Treasury Department on Monday targeted four shipping firms.") == (
        "Treasury Department targeted"
    )


# --- a state's space agency launches for its government, and speaks for its launch ------------


def test_a_space_agency_launching_is_its_governments_launch() -> None:
    assert (
        _status(
            "Radar satellite reaches orbit",
            "The Japan Aerospace Exploration Agency successfully launched a radar satellite "
            "from Tanegashima on Tuesday to watch missile sites in North Korea.",
            "space_launch",
        )
        == "confirmed"
    )


def test_a_space_agency_spokesman_speaks_for_the_launch() -> None:
    assert (
        _status(
            "Rocket lifts off with observation satellite",
            'A rocket carrying an observation satellite lifted off from Tanegashima on Sunday. "The '
            'rocket flew as planned," said Kenji Sato, a spokesman for JAXA, after the launch.',
            "space_launch",
        )
        == "confirmed"
    )


def test_a_private_rocket_company_is_no_space_agency() -> None:
    assert (
        _status(
            "Startup flies test rocket",
            "A South Korean startup launched a small test rocket carrying a Korean satellite "
            "from a site in Brazil on Sunday.",
            "space_launch",
        )
        == "reported"
    )


# --- a photo's credit line names who supplied the picture, not who told the event -------------


def test_a_kcna_photo_credit_is_no_state_media_claim() -> None:
    assert (
        _status(
            "Hackers stole millions from exchange",
            "Kim Jong Un at a meeting in Pyongyang (KCNA via Reuters). Hackers linked to North "
            "Korea stole $30 million from a crypto exchange in March, a blockchain firm's report "
            "said.",
            "cyber",
        )
        == "reported"
    )


def test_a_kcna_dateline_is_still_the_agencys_own_copy() -> None:
    assert (
        _status(
            "Assembly session held",
            "Pyongyang, April 9 (KCNA) -- The Supreme People's Assembly held its session at the "
            "Mansudae Assembly Hall on Tuesday.",
            "domestic",
        )
        == "claimed"
    )


# --- an observer tells the event; an authority speaks only in the background --------------


def test_imagery_tells_the_event_an_authority_only_its_background() -> None:
    assert (
        _status(
            "North Korea dismantling test stand, imagery suggests",
            "North Korea has begun dismantling an engine test stand at the Sohae launch site, "
            "according to commercial satellite imagery. The site has been used for satellite "
            "launches since 2012. After the summit, U.S. officials said they were aware of the "
            "work at the site.",
            "space_launch",
        )
        == "reported"
    )


# --- an official act told by the press or by one unnamed official is a report ------------------


def test_a_deployment_told_by_a_news_agency_is_a_report() -> None:
    assert (
        _status(
            "Interceptors moved west",
            "The defence ministry deployed missile interceptors in three western prefectures on "
            "Saturday, public broadcaster NHK and Kyodo News said.",
            "defense_policy",
        )
        == "reported"
    )
    assert (
        _status(
            "Interceptors moved west",
            "The defence ministry deployed missile interceptors in three western prefectures on "
            "Saturday.",
            "defense_policy",
        )
        == "confirmed"
    )


def test_an_act_announced_at_a_news_conference_stays_the_bodys_own() -> None:
    assert (
        _status(
            "Interceptors moved west",
            "In a news release, the defence ministry said it had deployed missile interceptors "
            "in three western prefectures on Saturday.",
            "defense_policy",
        )
        == "confirmed"
    )


def test_a_visit_that_a_television_network_reports_is_a_report() -> None:
    assert (
        _status(
            "Envoy in Pyongyang",
            "The U.S. special envoy arrived in Pyongyang on Tuesday. He is expected to meet his "
            "North Korean counterpart, a South Korean television network reported Tuesday.",
            "diplomacy",
        )
        == "reported"
    )


def test_a_seizure_one_unnamed_official_tells_is_a_report() -> None:
    text = (
        "South Korean authorities have seized a tanker suspected of carrying fuel to North "
        "Korea in breach of sanctions, a customs official said on Monday."
    )
    assert _status("Tanker seized", text, "border_maritime") == "reported"
    spokesman = " A customs spokesman said the crew would be questioned."
    assert _status("Tanker seized", text + spokesman, "border_maritime") == "confirmed"


# --- an official body as the subject of any past act in its own clause ------------------------


def test_a_ministry_completing_a_deployment_carries_it_out() -> None:
    assert (
        _status(
            "Interceptor battery in place",
            "The Defense Ministry completed the deployment of a second interceptor battery near "
            "the southern port city on Friday, ahead of schedule.",
            "defense_policy",
        )
        == "confirmed"
    )


def test_a_council_convening_and_a_service_acquiring_are_their_own_acts() -> None:
    assert _doer("The Security Council convened an emergency session on Monday.") == (
        "Security Council convened"
    )
    assert _doer("The Air Force acquired two tanker aircraft from Europe last year.") == (
        "Air Force acquired"
    )


def test_a_body_that_is_no_subject_does_not_act() -> None:
    # the object of a verb, a body's act inside what someone said, a reaction, a plan
    assert _doer("Malware that hit South Korea caused brief outages at two banks.") is None
    assert _doer("An analyst said Tuesday the navy has already relocated two frigates.") is None
    assert _doer("In response, the Foreign Ministry cut its ties with the embassy.") is None
    assert _doer("The coast guard attempted to tow the stricken trawler to port.") is None
    assert _doer("A former president who forged ties with the North died on Tuesday.") is None
    # the act told by someone who is no official
    assert _doer("Border police stepped up checks at the crossing, shopkeepers there said.") is None


def test_a_broadcast_cue_is_not_the_lede_sentence() -> None:
    assert (
        _status(
            "TWO ALLEGED SPIES FOR NORTH KOREA ARRESTED",
            "[Anchor Lead]\nThe Busan District Court issued warrants for two members of a "
            "so-called underground cell, citing a risk of flight.\n[Pkg]\nAuthorities have "
            "arrested two men who allegedly spied for North Korea.",
            "domestic",
        )
        == "confirmed"
    )


# --- a headline that gives the press or its sources as the story's source ----------------------


def test_an_official_under_a_sources_headline_is_an_unnamed_source() -> None:
    assert (
        _status(
            "North Korea fires two short-range missiles into the sea: sources",
            "North Korea fired two short-range ballistic missiles off its east coast on Monday, "
            "a South Korean military official told reporters.",
            "missile_test",
        )
        == "reported"
    )


def test_a_state_launch_under_a_report_says_headline_is_the_press_account() -> None:
    assert (
        _status(
            "Japan tests new ship-launched interceptor, report says",
            "Japan test-fired a new ship-launched interceptor off Hawaii last week in a trial "
            "of its missile shield.",
            "missile_test",
        )
        == "reported"
    )


def test_a_named_body_under_a_report_headline_still_confirms() -> None:
    assert (
        _status(
            "North Korea fires two short-range missiles: report",
            "North Korea fired two short-range ballistic missiles off its east coast on Monday, "
            "the Joint Chiefs of Staff said in a statement.",
            "missile_test",
        )
        == "confirmed"
    )


def test_an_official_body_as_the_agent_of_a_passive_carries_it_out() -> None:
    assert _doer("The prime minister was impeached by parliament on Friday.") == (
        "impeached by parliament"
    )
    # a participle alone names a thing's background; the North's own organs are its claims
    assert _doer("The coal was shipped in breach of sanctions imposed by the UN.") is None
    assert _doer("The envoy was greeted by DPRK officials at the airport.") is None


# --- a meeting both governments held, unless the press or the North's agency tells it ---------


def test_a_meeting_the_governments_held_is_confirmed() -> None:
    assert (
        _status(
            "Seoul and Tokyo hold security talks",
            "South Korea and Japan held talks on North Korea's missile threat in Tokyo on "
            "Tuesday, with their vice foreign ministers leading the delegations.",
            "diplomacy",
        )
        == "confirmed"
    )


def test_a_meeting_known_from_a_news_agency_is_a_report() -> None:
    assert (
        _status(
            "Tehran and Pyongyang sign cooperation accord",
            "Iran and North Korea have signed an accord on cooperation in science and "
            "technology, Iranian media reported on Sunday.",
            "diplomacy",
        )
        == "reported"
    )


# --- the UN's maritime and aviation agencies, and a body's records that analysts used ---------


def test_the_un_maritime_agency_receiving_a_launch_notice_confirms_it() -> None:
    assert (
        _status(
            "North Korea tells shipping of satellite launch window",
            "North Korea has notified the International Maritime Organization that it will "
            "launch a satellite rocket between May 31 and June 11, the IMO said on Tuesday.",
            "space_launch",
        )
        == "confirmed"
    )


def test_records_a_body_published_that_imagery_analysts_used_are_no_confirmation() -> None:
    assert (
        _status(
            "Tankers delivered fuel to North Korea in breach of sanctions",
            "A Japanese newspaper compared commercial satellite images of the port with ship "
            "profiles disclosed by the International Maritime Organization and found that two "
            "tankers had carried refined petroleum to North Korea in breach of UN sanctions.",
            "sanctions",
        )
        == "reported"
    )


# --- an authority investigating reports, or receiving a report, has not confirmed it ----------


def test_a_body_investigating_reports_has_not_settled_them() -> None:
    assert (
        _status(
            "UN looks into arms deals in Africa",
            "The United Nations said it is investigating reports that North Korea supplied "
            "air defence radars and training to two African armies in violation of the arms "
            "embargo.",
            "arms_transfer",
        )
        == "reported"
    )


def test_the_body_a_report_was_presented_to_does_not_speak_for_it() -> None:
    assert (
        _status(
            "North Korean hackers stole $2 billion, experts find",
            "An expert report presented to the Security Council's sanctions committee says "
            "North Korean hackers stole about $2 billion from banks and crypto exchanges.",
            "cyber",
        )
        == "reported"
    )


def test_an_authority_seeing_no_signs_of_it_does_not_confirm_it() -> None:
    assert (
        _status(
            "Blast reported near North Korean nuclear test site",
            "A large explosion shook the area near the Punggye-ri nuclear test site on Sunday, "
            "Japanese media reported. South Korea's defence ministry said there were no signs "
            "of a nuclear test.",
            "nuclear",
        )
        == "reported"
    )


# --- a government's own release, known by its headline ----------------------------------------


def test_a_ministers_own_statement_confirms_what_it_tells() -> None:
    assert (
        _status(
            "Statement by the Defence Minister on North Korea's Ballistic Missile Launch",
            "North Korea launched a ballistic missile from its west coast this morning. It flew "
            "about 600 km and fell outside our exclusive economic zone.",
            "missile_test",
        )
        == "confirmed"
    )


def test_a_statement_by_the_norths_own_minister_is_no_independent_release() -> None:
    assert (
        _status(
            "Statement by DPRK Minister of National Defence on the Satellite Launch",
            "Our reconnaissance satellite was successfully placed in orbit this morning, the "
            "statement said.",
            "space_launch",
        )
        != "confirmed"
    )


def test_the_pentagons_missile_defense_agency_confirms_its_intercept_test() -> None:
    assert (
        _status(
            "Interceptor downs target missile in test",
            "A ship-launched interceptor destroyed a medium-range ballistic missile target over "
            "the Pacific on Friday, the Missile Defense Agency said in a statement.",
            "missile_test",
        )
        == "confirmed"
    )


# --- the IAEA: what its own inspectors did, against what it observes from outside -------------


def test_the_iaea_telling_its_inspectors_were_expelled_confirms_it() -> None:
    assert (
        _status(
            "Nuclear inspectors leave North Korea",
            "The International Atomic Energy Agency said its inspectors left Yongbyon on "
            "Tuesday after North Korea ordered them out and removed the seals on the reactor.",
            "nuclear",
        )
        == "confirmed"
    )


def test_signs_the_iaea_sees_from_outside_stay_a_report() -> None:
    assert (
        _status(
            "Reactor appears to be running again",
            "The International Atomic Energy Agency said there were signs the Yongbyon reactor "
            "had restarted, although its inspectors have had no access since 2009.",
            "nuclear",
        )
        == "reported"
    )
    assert (
        _status(
            "North Korea orders nuclear inspectors out",
            "North Korea ordered IAEA inspectors to leave Yongbyon on Friday, state media said.",
            "nuclear",
        )
        != "confirmed"  # the agency does not speak
    )


def test_a_single_satellite_image_is_an_observation_too() -> None:
    assert (
        _status(
            "Rocket seen on launch pad in satellite image",
            "A commercial satellite image taken on Sunday shows a three-stage rocket mounted on "
            "the launch pad at Sohae. North Korea has said it will launch a satellite this month.",
            "space_launch",
        )
        == "reported"
    )


def test_an_agreement_whose_details_were_kept_secret_is_still_a_held_meeting() -> None:
    assert (
        _status(
            "Washington and Pyongyang sign nuclear accord",
            "The United States and North Korea signed an agreement in Geneva on Friday to "
            "freeze the North's reactors but kept secret the details of how it will be verified.",
            "diplomacy",
        )
        == "confirmed"
    )
    # a secret meeting itself is still one the governments have not announced
    assert _UNANNOUNCED.search("The two sides held secret talks in Geneva.")
    assert not _UNANNOUNCED.search("They kept secret the details of the accord.")


def test_a_party_defeated_in_an_election_or_winning_races_is_the_official_count() -> None:
    assert (
        _status(
            "Ruling party suffers heavy defeat in by-elections",
            "South Korea's ruling party suffered a heavy defeat in Wednesday's parliamentary "
            "by-elections, losing four of five seats.",
            "domestic",
        )
        == "confirmed"
    )
    assert (
        _status(
            "Opposition takes most governor posts",
            "The opposition party won nine of the 17 mayoral and gubernatorial races in "
            "Wednesday's local elections.",
            "domestic",
        )
        == "confirmed"
    )


# --- a speech made at a UN session is on the UN's own record -----------------------------------


def test_a_speech_to_the_general_assembly_is_on_the_uns_record() -> None:
    assert (
        _status(
            "North Korean minister defends nuclear programme at UN",
            "North Korea's foreign minister addressed the United Nations General Assembly on "
            "Saturday, saying the country would never give up its nuclear deterrent.",
            "diplomacy",
        )
        == "confirmed"
    )


def test_state_media_telling_of_a_un_speech_leaves_it_a_claim() -> None:
    assert (
        _status(
            "Envoy's UN speech hailed at home",
            "The North's ambassador delivered a speech at the Security Council denouncing the "
            "sanctions, KCNA said on Sunday.",
            "diplomacy",
        )
        != "confirmed"
    )


# --- a government named by its state or capital speaks for it ---------------------------------


def test_china_saying_it_names_its_government_as_the_source() -> None:
    assert (
        _status(
            "China says North Korean guards fired on its fishermen",
            "North Korean border guards fired on two Chinese fishing boats on the Yalu River last "
            "week, China said on Monday, adding that it had lodged a protest.",
            "border_maritime",
        )
        == "confirmed"
    )


def test_a_chinese_city_in_the_copy_is_not_its_government_speaking() -> None:
    assert (
        _status(
            "Guards fire on fishermen, activists say",
            "North Korean border guards fired on two fishing boats on the Yalu River last week, "
            "activists in China said on Monday.",
            "border_maritime",
        )
        == "reported"
    )


# --- the North's organs named as who is behind a hack do not speak -----------------------------


def test_hackers_linked_to_the_norths_government_are_not_its_claim() -> None:
    assert (
        _status(
            "Phishing apps found in app store",
            "A hacking group linked to the North Korean government hid spyware called Tracker in "
            "four mobile games, a security firm found in a report on Tuesday.",
            "cyber",
        )
        != "claimed"
    )


def test_the_norths_government_speaking_of_a_hack_is_still_its_claim() -> None:
    assert (
        _status(
            "North Korea says its sites were hacked",
            "The North Korean government said on Tuesday that hackers had broken into its news "
            "websites and stolen subscriber data.",
            "cyber",
        )
        == "claimed"
    )
