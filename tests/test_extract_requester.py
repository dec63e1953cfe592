"""Requester extraction from headers, signatures, forwards, mail sent on someone's behalf."""

from __future__ import annotations

import pytest

import classify
from classify.extract import (
    agency_from_domain,
    agency_type,
    display_name,
    expand_title,
    normalize_agency,
    read_signature,
    self_introduction,
)
from classify.text import clean
from ingest import parse_email
from tests.mail import forwarded_as_attachment, make_email


def requester(rules, sites, body: str, **kwargs: object) -> classify.Requester:
    parsed = parse_email(make_email(body, **kwargs))  # type: ignore[arg-type]
    return classify.analyze(parsed, rules, sites).requester


def test_signature_with_rank_and_address(rules, sites):
    body = """Hello,

We would like a phone call about CIT for our deputies.

Respectfully,

Cpl. Dana O'Rourke
Kittson County Sheriff's Office
410 5th St. S, Hallock, MN 56728
Office: 218.555.0107 | Fax: 218.555.0108
"""
    found = requester(rules, sites, body, from_addr="Dana O'Rourke <dorourke@kittson.example.gov>")
    assert found.name == "Dana O'Rourke"
    assert found.title == "Corporal"
    assert found.agency == "Kittson County Sheriff's Office"
    assert found.agency_type == "sheriff"
    assert (found.city, found.state) == ("Hallock", "MN")
    assert found.phone == "+12185550107"
    assert found.email == "dorourke@kittson.example.gov"


def test_outlook_name_pd_abbreviation_and_state_in_parentheses(rules, sites):
    body = """Do you have anyone who trains dispatchers on crisis calls? thx

Det. M. Okonkwo
Quincy PD (IL)
217-555-0144
"""
    found = requester(
        rules, sites, body, from_addr='"Okonkwo, Michael" <mokonkwo@quincy.example.gov>'
    )
    assert found.name == "Michael Okonkwo"
    assert found.title == "Detective"
    assert found.agency == "Quincy Police Department"
    assert (found.city, found.state) == ("Quincy", "IL")
    assert found.phone == "+12175550144"


def test_title_line_agency_line_and_canadian_province(rules, sites):
    body = """Good morning,

Our service is designating liaison officers and would welcome an exchange of e-mails.

Kind regards,

Amélie Tremblay
Inspector, Community Mobilization
Sherbrooke Police Service
Sherbrooke, Quebec
T: 819-555-0133
"""
    found = requester(rules, sites, body, from_addr="Amélie Tremblay <at@sps.example.ca>")
    assert found.name == "Amélie Tremblay"
    assert found.title.startswith("Inspector")
    assert found.agency == "Sherbrooke Police Service"
    assert found.agency_type == "police"
    assert (found.city, found.state) == ("Sherbrooke", "QC")


def test_forwarded_message_names_the_original_sender(rules, sites):
    body = """FYI, see below.

---------- Forwarded message ---------
From: Carla Mendes <cmendes@bristolbh.example.org>
Date: Mon, Jun 2, 2025 at 10:00 AM
Subject: mobile crisis and police
To: Staff <staff@example.org>

Hello,

We run the mobile crisis team for Bristol County and want to talk with a site about
police hand-offs.

Thank you,

Carla Mendes
Program Director
Bristol Behavioral Health Services
Taunton, MA 02780
508-555-0161
"""
    found = requester(rules, sites, body, from_addr="Pat Kim <pkim@example.org>", subject="Fwd: x")
    assert found.name == "Carla Mendes"
    assert found.email == "cmendes@bristolbh.example.org"
    assert found.agency == "Bristol Behavioral Health Services"
    assert found.agency_type == "behavioral_health"
    assert found.phone == "+15085550161"


def test_assistant_writing_on_behalf_of_the_chief(rules, sites):
    body = """Good afternoon,

I am writing on behalf of Chief Harold Baines, Chief of Police of the Dover Police
Department. He can be reached directly at 302-555-0170 or at hbaines@doverpd.example.gov.

He would like a call about co-responder teams.

Thank you,

Mia Lopez
Executive Assistant to the Chief
Dover Police Department
Dover, DE 19901
302-555-0171
"""
    found = requester(rules, sites, body, from_addr="Mia Lopez <mlopez@doverpd.example.gov>")
    assert found.name == "Harold Baines"
    assert found.title == "Chief of Police"
    assert found.agency == "Dover Police Department"
    assert found.email == "hbaines@doverpd.example.gov"
    assert found.phone == "+13025550170"
    assert found.state == "DE"


def test_reply_fills_address_from_own_quoted_signature(rules, sites):
    body = """Thursday at 2pm works for us.

Lt. Sam Rivera
Elgin Police Department

From: Rivera, Sam <srivera@elginpd.example.gov>
Sent: Monday, May 5, 2025 9:00 AM
To: learningsites@justice-center.example.org
Subject: co-responder call

We would like a call about co-responders.

Lt. Sam Rivera
Elgin Police Department
151 Douglas Ave, Elgin, IL 60120
847-555-0199
"""
    parsed = parse_email(
        make_email(body, from_addr="Sam Rivera <srivera@elginpd.example.gov>", subject="RE: call")
    )
    found = classify.analyze(parsed, rules, sites, known_thread=True).requester
    assert (found.city, found.state) == ("Elgin", "IL")
    assert found.phone == "+18475550199"
    assert found.title == "Lieutenant"


def test_no_signature_falls_back_to_header_and_body(rules, sites):
    body = (
        "I'm a sergeant with the Pella Police Department in Iowa and we want to start a "
        "CIT program. Email is fine."
    )
    found = requester(rules, sites, body, from_addr="Kim Vos <kvos@pella.example.gov>")
    assert found.name == "Kim Vos"
    assert found.title == "Sergeant"
    assert found.agency == "Pella Police Department"
    assert found.state == "IA"


def test_helpers():
    assert expand_title("Sgt.") == "Sergeant"
    assert expand_title("Asst. Chief") == "Assistant Chief"
    assert display_name("Riley, DeShawn M.") == "DeShawn M. Riley"
    assert normalize_agency("Springfield PD") == ("Springfield Police Department", "")
    assert normalize_agency("the Salem Police (OR)") == ("Salem Police Department", "OR")
    assert agency_type("State University Police Department") == "campus"
    assert agency_type("City of Avon") == "government"
    assert agency_type("Ohio Department of Mental Health") == "government"
    assert agency_type("Northside Counseling Services") == "behavioral_health"
    assert agency_type("Mercy Hospital") == "other"


def test_clean_strips_quotes_signature_and_disclaimer():
    text = """Hi,

Please call me.

Thanks,
Jo Park
Analyst, Avon Police Department

CONFIDENTIALITY NOTICE: this message is private.

-----Original Message-----
From: Someone <s@example.org>
Sent: Monday
To: Jo
Subject: hi

old text
"""
    cleaned = clean(text)
    assert cleaned.body.strip().endswith("Please call me.")
    assert cleaned.signature[0] == "Jo Park"
    assert cleaned.quoted and cleaned.quoted[0].from_addr == "s@example.org"
    assert "CONFIDENTIALITY" not in cleaned.body


def test_one_line_signature_with_pipes_after_a_sign_off(rules, sites):
    body = """Hello,

We would like to start a co-responder pilot and talk with a site that runs one.

Thanks,
Lt. Priya Natarajan | Patrol | Elm Hollow Police Department | Elm Hollow, IA | (319) 555-0161
"""
    found = requester(rules, sites, body, from_addr="Priya Natarajan <pn@elmhollow.example.gov>")
    assert (found.name, found.title) == ("Priya Natarajan", "Lieutenant")
    assert found.agency == "Elm Hollow Police Department"
    assert (found.city, found.state, found.phone) == ("Elm Hollow", "IA", "+13195550161")


def test_one_line_signature_without_a_sign_off_name_then_commas(rules, sites):
    body = """Quick one: is there a learning site that trains call-takers on crisis calls?

Gil Arroyo, Communications Supervisor, Dry Creek PD (NV) - 775.555.0102
"""
    found = requester(rules, sites, body, from_addr="Gil Arroyo <garroyo@drycreek.example.gov>")
    assert (found.name, found.title) == ("Gil Arroyo", "Communications Supervisor")
    assert found.agency == "Dry Creek Police Department"
    assert (found.state, found.phone) == ("NV", "+17755550102")
    assert "Gil Arroyo" not in classify.analyze(parse_email(make_email(body)), rules, sites).summary


def test_a_last_sentence_with_a_phone_number_stays_in_the_text():
    text = clean("We need help with dispatch.\n\nCall me at 555-555-0100, or email, any time")
    assert text.signature == ()
    assert "Call me" in text.body


def test_the_phone_area_code_picks_the_state_of_a_town_found_in_several():
    from classify.extract import _state_by_phone, phone_regions

    assert phone_regions("+12185550117") == ("MN",)
    assert phone_regions("+19025550115") == ("NS", "PE")
    assert phone_regions("+442071234567") == ()
    # Ely is a town in Minnesota and in Nevada (and elsewhere): 218 is northern Minnesota.
    assert _state_by_phone("Ely", "+12185550117") == "MN"
    assert _state_by_phone("Ely", "+17755550117") == "NV"


def test_montana_is_a_state_not_the_word_mount(rules, sites):
    body = "We need CIT help.\n\nJo Tamsin\nPark County Sheriff's Office\nLivingston, MT\n"
    assert requester(rules, sites, body).state == "MT"


def test_on_behalf_of_a_sheriff_who_is_copied(rules, sites):
    body = """Good morning,

I am writing on behalf of Sheriff Amos Reddick of the Tallow County Sheriff's Office. He would
like CIT classes for his deputies and is copied here.

Marla Finch
Executive Assistant to the Sheriff
Tallow County Sheriff's Office
Tallow, GA
"""
    found = requester(
        rules,
        sites,
        body,
        from_addr="Marla Finch <mfinch@tallowso.example.gov>",
        headers={"Cc": "Sheriff Amos Reddick <areddick@tallowso.example.gov>"},
    )
    assert (found.name, found.title) == ("Amos Reddick", "Sheriff")
    assert found.email == "areddick@tallowso.example.gov"
    assert found.agency == "Tallow County Sheriff's Office"


def test_agencies_courts_911_districts_regional_police_and_campus_public_safety():
    assert normalize_agency("Halifax Regional Police")[0] == "Halifax Regional Police"
    assert normalize_agency("Avon Police")[0] == "Avon Police Department"
    assert agency_type("Fifth Judicial District Drug Court") == "other"
    assert agency_type("Pike Emergency Communication District") == "government"
    assert agency_type("Larimer County Manager's Office") == "government"
    assert agency_type("Oak State College", "Director of Public Safety") == "campus"
    assert agency_type("Oak State College", "Professor of Nursing") == "other"


def test_the_area_code_table_matches_the_installed_phonenumbers():
    from classify.area_codes import build_table, load_table, render

    table = build_table()
    assert load_table() == {code: tuple(regions) for code, regions in table.items()}, (
        "phonenumbers changed: run `make area-codes` and commit classify/data/area_codes.toml"
    )
    assert table["206"] == ["WA"] and table["202"] == ["DC"] and table["604"] == ["BC"]
    assert "242" not in table  # the Bahamas share +1 but are not a US state or province
    assert render(table).count("\n") == len(table) + 4


def test_a_sheriff_signing_with_the_county_names_the_sheriffs_office(rules, sites):
    body = "We want dispatch training too.\n\nAmos Reddick\nSheriff, Tallow County\n"
    found = requester(rules, sites, body, from_addr="Amos Reddick <ar@tallowso.example.gov>")
    assert (found.title, found.agency) == ("Sheriff", "Tallow County Sheriff's Office")
    assert found.agency_type == "sheriff"


def test_a_unit_on_the_title_line_gives_way_to_the_agency_below(rules, sites):
    body = (
        "We want help with a co-responder pilot.\n\nRegards,\n\nMarcus Bell, LCSW\n"
        "Director, Crisis Services\nNorthwoods Behavioral Health\nRhinelander, Wisconsin 54501\n"
    )
    found = requester(rules, sites, body)
    assert (found.title, found.agency) == ("Director", "Northwoods Behavioral Health")
    assert (found.city, found.state) == ("Rhinelander", "WI")


def test_an_office_of_a_city_is_named_with_its_city(rules, sites):
    body = (
        "We want help with a co-responder pilot.\n\nBest,\nKelsey Tran\n"
        "Program Manager | Office of Behavioral Health | City of Tacoma\n253-555-0123\n"
    )
    found = requester(rules, sites, body)
    assert found.agency == "City of Tacoma Office of Behavioral Health"
    assert (found.agency_type, found.city, found.state) == ("government", "Tacoma", "WA")


def test_911_centres_villages_and_divisions_of_police():
    assert normalize_agency("Columbus Division of Police")[0] == "Columbus Division of Police"
    from classify.extract import _city_from_agency, _is_agency, _is_title

    assert _is_title("911 Operations Supervisor") and _is_agency("Pima County 911")
    assert _city_from_agency("Village of Pine Ridge Police Department") == "Pine Ridge"
    assert _city_from_agency("Metro Nashville Police Department") == "Nashville"


@pytest.mark.parametrize(
    ("intro", "title", "agency", "city", "state"),
    [
        (
            "I supervise the Community Response Unit at the Stockton Police Department.",
            "",
            "Stockton Police Department",
            "Stockton",
            "CA",
        ),
        (
            "I work for the Brazos County Sheriff's Office as the jail mental health coordinator.",
            "Jail Mental Health Coordinator",
            "Brazos County Sheriff's Office",
            "",
            "",
        ),
        (
            "I'm the new chief in Harlan, Kentucky (Harlan Police Department, 12 officers).",
            "Chief",
            "Harlan Police Department",
            "Harlan",
            "KY",
        ),
    ],
)
def test_an_agency_and_title_named_only_in_the_text(
    rules, sites, intro, title, agency, city, state
):
    body = f"Hello,\n\n{intro} We want to start a co-responder team.\n\nThanks,\nDee Park\n"
    found = requester(rules, sites, body, from_addr="Dee Park <dpark@mail.example.org>")
    assert (found.title, found.agency, found.city, found.state) == (title, agency, city, state)


def test_the_entity_ruler_finds_the_writers_own_agency_not_anothers():
    from classify.entities import own_agency

    assert own_agency("Hello. I work for the Brazos County Sheriff's Office.") == (
        "Brazos County Sheriff's Office"
    )
    assert own_agency("Here at Northwoods Behavioral Health we run a crisis line.") == (
        "Northwoods Behavioral Health"
    )
    # Named, but not as the writer's own: no first person in that sentence.
    assert own_agency("The Tucson Police Department runs a great program.") == ""
    assert own_agency("We spoke with their sergeant at the Tucson Police Department.") == ""


def test_one_line_signature_with_phone_after_the_agency_and_a_spelled_out_state(rules, sites):
    body = """We would like a call about CIT for our deputies.

Wendy Okafor, Chief Deputy, Lamar County Sheriff's Office, Vernon, Alabama, (205) 555-0161
"""
    found = requester(rules, sites, body, from_addr="Wendy Okafor <wokafor@lamarso.example.gov>")
    assert found.title == "Chief Deputy"
    assert found.agency == "Lamar County Sheriff's Office"
    assert (found.city, found.state) == ("Vernon", "AL")

    body = "Any CIT curriculum you can email?\n\nCapt. Ron Ickes, Enid PD, 580-555-0177\n"
    found = requester(rules, sites, body, from_addr="Ron Ickes <rickes@enid.example.gov>")
    assert (found.title, found.agency) == ("Captain", "Enid Police Department")
    assert (found.city, found.state) == ("Enid", "OK")


def test_an_e911_centre_on_the_title_line_and_its_city_from_the_text(rules, sites):
    body = """Hi,

I run the floor at Liberty County E-911 here in Hinesville. Our call takers want training on
suicidal callers.

Pat Greer
Shift Supervisor, Liberty County E-911
912-555-0133
"""
    found = requester(rules, sites, body, from_addr="Pat Greer <pgreer@liberty911.example.gov>")
    assert found.agency == "Liberty County E-911"
    assert found.agency_type == "government"
    assert (found.city, found.state) == ("Hinesville", "GA")


def test_a_city_in_the_text_counts_only_where_the_writer_is(rules, sites):
    body = """Hello,

The team in Tucson has a program I admire. They told the story at a conference.

Jo Vance
Benton Police Department
479-555-0190
"""
    found = requester(rules, sites, body, from_addr="Jo Vance <jvance@benton.example.gov>")
    assert found.city == "Benton"  # from the agency, not the site named in passing


def test_rank_and_surname_alone_is_a_sign_off_not_a_title(rules, sites):
    body = "Still want that call about a liaison officer.\n\nChief Kimble\n580-555-0119\n"
    found = requester(rules, sites, body, from_addr="Lamar Kimble <lkimble@hugo.example.gov>")
    assert (found.name, found.title) == ("Lamar Kimble", "Chief")


def test_a_reply_completes_the_requester_from_the_same_persons_request():
    known = classify.Requester(
        name="Remy Delacroix",
        title="Captain",
        agency="Lafayette Parish Sheriff's Office",
        agency_type="sheriff",
        city="Lafayette",
        state="LA",
        email="rdelacroix@lpso.example.gov",
        phone="+13375550166",
    )
    reply = classify.Requester(name="RD", email="RDelacroix@lpso.example.gov", phone="")
    completed = reply.completed_from(known)
    assert completed.name == "RD"  # what the reply says stays
    assert (completed.agency, completed.city, completed.phone) == (
        known.agency,
        known.city,
        known.phone,
    )
    stranger = classify.Requester(name="Someone", email="other@example.org")
    assert stranger.completed_from(known) == stranger
    moved = classify.Requester(email=known.email, state="TX")
    assert moved.completed_from(known).city == ""  # Lafayette, LA would contradict TX


def test_a_chief_who_asked_an_assistant_to_write_on_his_behalf(rules, sites):
    body = """Good morning,

Chief Ruben Oyelaran asked me to reach out to you on his behalf. He would like a call about a
co-responder team. The Chief can be reached directly at 912-555-0199.

Priya Nandakumar
Executive Assistant
Office of the Chief of Police
Savannah Police Department
912-555-0140
"""
    found = requester(
        rules,
        sites,
        body,
        from_addr="Priya Nandakumar <pnandakumar@savannahpd.example.gov>",
        headers={"Cc": "Ruben Oyelaran <royelaran@savannahpd.example.gov>"},
    )
    assert (found.name, found.title) == ("Ruben Oyelaran", "Chief")
    assert found.email == "royelaran@savannahpd.example.gov"
    assert found.agency == "Savannah Police Department"  # not the chief's office
    assert found.phone == "+19125550199"  # his line, not the assistant's
    assert (found.city, found.state) == ("Savannah", "GA")


def test_family_and_advocacy_groups_are_other_not_providers(rules, sites):
    body = "Could you send material on CIT?\n\nLena Ortiz\nOutreach Chair, NAMI Flint Hills\n"
    found = requester(rules, sites, body, from_addr="Lena Ortiz <lortiz@nami-fh.example.org>")
    assert (found.agency, found.agency_type) == ("NAMI Flint Hills", "other")

    body = """Could you send material on CIT?

Ruth Amsel
Board Chair
Parents' Mental Health Alliance of Beloit
Beloit, Wisconsin
608-555-0150
"""
    found = requester(rules, sites, body, from_addr="Ruth Amsel <ramsel@pmha.example.org>")
    assert (found.agency, found.agency_type) == (
        "Parents' Mental Health Alliance of Beloit",
        "other",
    )
    assert (found.city, found.state) == ("Beloit", "WI")


def test_a_unit_or_a_county_is_not_a_city(rules, sites):
    body = """We want a counselor to ride with our deputies.

Gail Porter, RN
Nurse Manager, Emergency Department
Mercy Hills Medical Center
319-555-0108
"""
    found = requester(rules, sites, body, from_addr="Gail Porter <gporter@mercyhills.example.org>")
    assert found.city == ""  # "Emergency Department" names no place

    body = """We want a counselor to ride with our deputies.

Ned Hale
Coordinator, Justice Coordinating Council
Linn County, Iowa
319-555-0119
"""
    found = requester(rules, sites, body, from_addr="Ned Hale <nhale@linncounty.example.gov>")
    assert found.city != "Linn County"
    assert found.state == "IA"


def test_a_county_office_is_named_with_its_county_and_a_911_centre_by_its_name(rules, sites):
    body = """Could you send material on CIT?

Lee Ames
Policy Analyst
Office of the County Manager | Tompkins County
607-555-0190
"""
    found = requester(rules, sites, body, from_addr="Lee Ames <lames@tompkins.example.gov>")
    assert found.agency == "Tompkins County Office of the County Manager"
    assert found.agency_type == "government"

    body = """Our call takers need crisis training.

Dana Voss
Operations Manager
Onslow County Emergency Communications
(910) 555-0170
"""
    found = requester(rules, sites, body, from_addr="Dana Voss <dvoss@onslow.example.gov>")
    assert (found.agency, found.agency_type) == (
        "Onslow County Emergency Communications",
        "government",
    )


def test_a_two_word_state_after_the_city_and_a_city_after_an_abbreviation(rules, sites):
    body = """Could you send material on CIT?

Mara Lind
Director of Crisis Services
Kanawha Hills Behavioral Health
Wheeling, West Virginia
304-555-0181
"""
    found = requester(rules, sites, body, from_addr="Mara Lind <mlind@khbh.example.org>")
    assert (found.city, found.state) == ("Wheeling", "WV")

    body = """Hello,

I run the emergency department at St. Agnes Medical Center in
Oshkosh. Officers bring us someone in crisis every shift and we want a mobile crisis team.

Joan Pike, RN
Nurse Manager, Emergency Department
St. Agnes Medical Center
920-555-0111
"""
    found = requester(rules, sites, body, from_addr="Joan Pike <jpike@stagnes.example.org>")
    assert (found.city, found.state) == ("Oshkosh", "WI")  # "St." ends no sentence here


def test_titles_above_the_name_advisors_facilitators_and_abbreviated_units(rules, sites):
    body = """Could you send material on CIT?

Director, Emergency Communications
Rosa Imbert
Collin County Emergency Communications
972-555-0130
"""
    found = requester(rules, sites, body, from_addr="Rosa Imbert <rimbert@collin.example.gov>")
    assert (found.name, found.title) == ("Rosa Imbert", "Director")

    body = "Could you send material on CIT?\n\nAl Ng\nSenior Policy Advisor, Office of the Mayor\n"
    found = requester(rules, sites, body, from_addr="Al Ng <ang@city.example.gov>")
    assert found.title == "Senior Policy Advisor"

    body = "Could you send material on CIT?\n\nBea Holt\nComm Supervisor, Sevier County E-911\n"
    found = requester(rules, sites, body, from_addr="Bea Holt <bholt@sevier911.example.gov>")
    assert found.title == "Communications Supervisor"


def test_a_reply_that_abbreviates_the_agency_keeps_its_full_name():
    known = classify.Requester(
        agency="Cumberland Valley University Police Department",
        agency_type="campus",
        email="dk@police.cvu.example.edu",
    )
    reply = classify.Requester(
        agency="CVU Police Department", agency_type="police", email="dk@police.cvu.example.edu"
    )
    assert reply.completed_from(known).agency == known.agency
    assert reply.completed_from(known).agency_type == "campus"
    other = classify.Requester(agency="Avon Police Department", email=known.email)
    assert other.completed_from(known).agency == "Avon Police Department"


def test_a_public_records_notice_after_the_signature_is_not_the_signature(rules, sites):
    body = """We would like a call about co-responders.

Regards,

Lt. Dana Whitfield
Special Operations Bureau
Ferndale Police Department
410 Main St, Ferndale, WA 98248
360-555-0147

This e-mail and any attachments are the property of the City of Ferndale and may be \
subject to disclosure under the Public Records Act. If you are not the intended recipient, \
please delete it.
"""
    found = requester(rules, sites, body, from_addr="Dana Whitfield <dw@ferndale.example.gov>")
    assert found.agency == "Ferndale Police Department"
    assert (found.city, found.state, found.title) == ("Ferndale", "WA", "Lieutenant")


def test_dashes_above_a_confidentiality_notice_leave_the_signature_in_place(rules, sites):
    body = """Could you email us material on CIT?

Nora Quist
Program Director
Prairie Lakes Family Support Network
Mankato, MN
507-555-0123

--
CONFIDENTIALITY NOTICE: this message may contain private information.
"""
    found = requester(rules, sites, body, from_addr="Nora Quist <nq@plfsn.example.org>")
    assert (found.title, found.agency) == (
        "Program Director",
        "Prairie Lakes Family Support Network",
    )
    assert (found.city, found.state) == ("Mankato", "MN")


def test_a_paragraph_that_starts_like_a_notice_but_is_a_request_stays():
    text = "Hello,\n\nThis email is to ask for a call about CIT.\n\nThanks,\nAl Roe\n"
    assert "ask for a call" in clean(text).body


def test_credentials_after_an_inverted_header_name_and_city_of_place_lines(rules, sites):
    assert display_name("Okafor, Ruth MD") == "Ruth Okafor"
    assert display_name("Okafor, Ruth Ph.D.") == "Ruth Okafor"
    assert display_name("Tran, Thi Ma") == "Thi Ma Tran"  # a name, not a credential
    body = """Could you email us notes on mobile crisis teams?

Ruth Okafor
Deputy City Manager
City of Greenville, South Carolina
864-555-0166
"""
    found = requester(rules, sites, body, from_addr='"Okafor, Ruth MD" <ro@greenville.example.gov>')
    assert found.name == "Ruth Okafor"
    assert (found.city, found.state) == ("Greenville", "SC")


def test_phone_numbers_written_with_non_breaking_hyphens(rules, sites):
    body = (
        "Could you call me about CIT?\n\nEli Marsh\nSergeant\nKent Police Department\n"
        "253\u2011555\u20110188\n"
    )
    found = requester(rules, sites, body, from_addr="Eli Marsh <em@kentpd.example.gov>")
    assert found.phone == "+12535550188"


def test_an_assistant_replying_keeps_the_principal_named_in_her_first_message(rules, sites):
    body = """Good morning,

The Chief is free for a call any Thursday in May.

Best regards,

Lena Ortiz
Executive Assistant to Chief Warren Pike
Ogden Police Department
(801) 555-0150

From: Ortiz, Lena <lortiz@ogdenpd.example.gov>
Sent: Monday, April 1, 2024 9:00 AM
To: LE-MH Learning Sites <learningsites@justice-center.example.org>
Subject: Request from Chief Pike

> I am writing on behalf of Chief Warren Pike of the Ogden Police Department.
>
> He would like to learn about co-responder teams. The Chief can be reached
> directly at wpike@ogdenpd.example.gov or (801) 555-0151.
"""
    found = requester(
        rules,
        sites,
        body,
        from_addr="Lena Ortiz <lortiz@ogdenpd.example.gov>",
        subject="RE: Request from Chief Pike",
    )
    assert (found.name, found.title) == ("Warren Pike", "Chief")
    assert found.email == "wpike@ogdenpd.example.gov"
    assert found.phone == "+18015550151"


def test_a_unit_on_the_title_line_gives_way_to_the_hospital_below(rules, sites):
    body = """Could someone call me about co-responders?

Thanks,
Ivy Chen, RN
Charge Nurse, Emergency Department
Mercy Valley Medical Center
208-555-0177
"""
    found = requester(rules, sites, body, from_addr="Ivy Chen <ichen@mercyvalley.example.org>")
    assert (found.title, found.agency) == ("Charge Nurse", "Mercy Valley Medical Center")


def test_a_generic_office_takes_the_county_or_city_its_signature_names(rules, sites):
    body = """Could you send material on crisis teams?

Omar Haddad
Analyst | City Manager's Office | City of Boulder
303-555-0190
"""
    found = requester(rules, sites, body, from_addr="Omar Haddad <oh@boulder.example.gov>")
    assert found.agency == "City of Boulder City Manager's Office"
    assert found.agency_type == "government"
    body = """Could you send material on crisis teams?

Lena Voss
Planner, Criminal Justice Coordinating Council
Story County, Iowa
515-555-0122
"""
    found = requester(rules, sites, body, from_addr="Lena Voss <lv@storycounty.example.gov>")
    assert found.agency == "Story County Criminal Justice Coordinating Council"
    assert found.state == "IA"


def test_a_writer_who_introduces_themselves_by_rank_in_the_text(rules, sites):
    body = (
        "Hi, this is Sgt. Colby Dunn with the Teton County Sheriff's Office in Wyoming. "
        "Could someone call me about CIT? 307-555-0144\n"
    )
    found = requester(rules, sites, body, from_addr="Colby Dunn <cdunn@tetonso.example.gov>")
    assert (found.title, found.agency) == ("Sergeant", "Teton County Sheriff's Office")
    assert found.agency_type == "sheriff" and found.state == "WY"


def test_an_introduction_without_an_article_and_a_number_in_the_text(rules, sites):
    body = (
        "My name is Hodan Ali I am outreach coordinator in East African Family Health Alliance "
        "here in Minneapolis. Can we have a phone meeting? My number is 612 555 0177.\n"
    )
    found = requester(rules, sites, body, from_addr="Hodan Ali <hali@eafha.example.org>")
    assert found.agency == "East African Family Health Alliance"
    assert found.phone == "+16125550177"
    assert (found.city, found.state) == ("Minneapolis", "MN")


def test_a_reply_finds_the_writers_signature_in_a_quote_without_an_address(rules, sites):
    body = """One more thing: the chief would like a site visit.

Marcus

On Mon, Mar 3, 2025 at 9:00 AM Marcus Vell wrote:
> Could someone email examples of clinician job descriptions?
>
> Thank you,
>
> Lt. Marcus Vell
> Racine Police Department
> (262) 555-0190
"""
    found = requester(
        rules,
        sites,
        body,
        from_addr="Marcus Vell <mvell@racinepd.example.gov>",
        subject="Re: examples",
    )
    assert (found.title, found.agency) == ("Lieutenant", "Racine Police Department")
    assert found.phone == "+12625550190"


def test_signatures_typed_in_lower_case_and_county_abbreviations(rules, sites):
    body = (
        "do yall do dispatcher training?\n\nreba tate\ncomm supervisor, marion co 911\nocala fl\n"
    )
    found = requester(rules, sites, body, from_addr="Reba Tate <rtate@marion911.example.gov>")
    assert found.title == "Communications Supervisor"
    assert found.agency == "Marion County 911"
    assert (found.city, found.state) == ("Ocala", "FL")


def test_county_government_titles_units_and_places_in_agency_lines(rules, sites):
    body = (
        "Could you email examples?\n\nJo Park\nCounty Administrator\nLake Ridge County\n"
        "Lake Ridge, NV\n"
    )
    found = requester(rules, sites, body, from_addr="Jo Park <jp@lakeridge.example.gov>")
    assert (found.agency, found.agency_type) == ("Lake Ridge County", "government")

    body = (
        "Could you email examples?\n\nAl Diaz\nDeputy Chief of Police - Support Services\n"
        "Pine Hollow Police Department\n"
    )
    found = requester(rules, sites, body, from_addr="Al Diaz <ad@pinehollow.example.gov>")
    assert found.agency == "Pine Hollow Police Department"

    body = "Can someone call me?\n\nChief Roe\nBrush Creek PD, Alabama\n"
    found = requester(rules, sites, body, from_addr="Ed Roe <eroe@brushcreek.example.gov>")
    assert (found.city, found.state, found.agency) == (
        "Brush Creek",
        "AL",
        "Brush Creek Police Department",
    )

    body = (
        "Can someone call me?\n\n"
        "Dep. Chief Ray Holt | Fort Lyon Police Dept. | Fort Lyon, CO | 719.555.0128\n"
    )
    found = requester(rules, sites, body, from_addr="Ray Holt <rh@fortlyon.example.gov>")
    assert (found.name, found.title, found.city) == ("Ray Holt", "Deputy Chief", "Fort Lyon")

    assert agency_type("Ada Ridge County Board of County Commissioners") == "government"
    assert agency_type("Pike County Health & Human Services") == "government"
    assert agency_type("River Valley Community Service Board") == "behavioral_health"


def test_on_behalf_of_a_sheriff_named_at_the_end_of_a_sentence(rules, sites):
    body = """I am writing on behalf of Sheriff Dale Munro. The Sheriff asked me to reach out.

He would like CIT for his deputies. Please copy him at dmunro@perryso.example.gov. His
direct line is 912-555-0170.

Lisa Ames
Executive Assistant to the Sheriff
Perry County Sheriff's Office
(912) 555-0171
"""
    found = requester(rules, sites, body, from_addr="Lisa Ames <lames@perryso.example.gov>")
    assert (found.name, found.title) == ("Dale Munro", "Sheriff")
    assert found.email == "dmunro@perryso.example.gov"
    assert found.phone == "+19125550170"


def test_notices_that_open_with_please_note_and_organisations_below_their_units(rules, sites):
    body = """Could someone call me about dispatch training?

Dora Lane
Director of Emergency Communications
Pine County Department of Emergency Communications
12 Main St, Pine Bluff, FL 33852
863-555-0135

PLEASE NOTE: Florida has a very broad public records law. Your e-mail communications may \\
therefore be subject to public disclosure.
"""
    found = requester(rules, sites, body, from_addr="Dora Lane <dl@pine911.example.gov>")
    assert found.title == "Director of Emergency Communications"
    assert (found.city, found.state) == ("Pine Bluff", "FL")

    body = """Could someone call me?

Emergency Department Social Worker
Lea Holt, LCSW
Department of Care Management
St. Agatha Regional Medical Center
606-555-0150
"""
    found = requester(rules, sites, body, from_addr="Lea Holt <lh@stagatha.example.org>")
    assert found.agency == "St. Agatha Regional Medical Center"

    body = """Could someone call me?

Lt. Omar Pike
Patrol & Community Services
Dunmore State University Police Department
740-555-0127
"""
    found = requester(rules, sites, body, from_addr="Omar Pike <op@dunmore.example.edu>")
    assert found.agency == "Dunmore State University Police Department"
    assert found.agency_type == "campus"
    assert agency_type("Montana Office of Crisis Response Training") == "government"


def test_badges_school_districts_french_services_and_a_closing_rank(rules, sites):
    body = (
        "Could you email examples?\n\nThanks,\nSgt. Rita Moss #481\nElm Grove Police Department\n"
    )
    found = requester(rules, sites, body, from_addr="Rita Moss <rm@elmgrove.example.gov>")
    assert (found.name, found.title) == ("Rita Moss", "Sergeant")

    body = (
        "Could you email youth CIT curricula?\n\nAna Soto\nDirector of Student Services\n"
        "Cedar Flats Unified School District\nCedar Flats, CA 95959\n"
    )
    found = requester(rules, sites, body, from_addr="Ana Soto <as@cfusd.example.org>")
    assert (found.agency, found.agency_type) == ("Cedar Flats Unified School District", "other")

    body = (
        "Bonjour, we want liaison officers.\n\nMarc Roy\nLieutenant\n"
        "Service de police de la Ville de Granby\nTél. : 450 555-0160\n"
    )
    found = requester(rules, sites, body, from_addr="Marc Roy <mroy@spgranby.example.org>")
    assert (found.agency, found.agency_type) == (
        "Service de police de la Ville de Granby",
        "police",
    )
    assert (found.city, found.state) == ("Granby", "QC")

    body = (
        "can you help a small dept get CIT going? We're 7 officers, Cedar Bluff KS PD.\n\n"
        "Chief Hale\n"
    )
    found = requester(rules, sites, body, from_addr="Tom Hale <th@cedarbluffks.example.gov>")
    assert (found.title, found.agency, found.state) == (
        "Chief",
        "Cedar Bluff Police Department",
        "KS",
    )

    body = """Could someone call me?

Respectfully,

Maj. Ray Dunn
Ashgrove County Sheriff's Office
Ashgrove, KY 40342

CONFIDENTIALITY: This email and any files transmitted with it are confidential and intended \\
solely for the addressee.
"""
    found = requester(rules, sites, body, from_addr="Ray Dunn <rd@ashgroveso.example.gov>")
    assert (found.title, found.agency, found.city) == (
        "Major",
        "Ashgrove County Sheriff's Office",
        "Ashgrove",
    )
    assert agency_type("Red Cedar Tribal Health Department") == "behavioral_health"


def test_an_assistant_stays_the_requester_when_the_email_gives_no_way_to_reach_the_chief(
    rules, sites
):
    body = """I am writing on behalf of Chief Nora Hale of the Elm Grove Police Department. She
would like to visit Arlington. Please let me know what you need from us.

Ben Ortiz
Executive Assistant to the Chief
Elm Grove Police Department
973-555-0114
"""
    found = requester(rules, sites, body, from_addr="Ben Ortiz <bortiz@elmgrove.example.gov>")
    assert (found.name, found.email) == ("Ben Ortiz", "bortiz@elmgrove.example.gov")


def test_french_ranks_and_a_forwarder_asking_the_program_to_reach_the_sender(rules, sites):
    body = (
        "Hello, we want a visit.\n\nInspecteur Luc Gagnon\n"
        "Service de police de la Ville de Rimouski\n418 555-0163\n"
    )
    found = requester(rules, sites, body, from_addr="Luc Gagnon <lg@sprimouski.example.org>")
    assert (found.name, found.title) == ("Luc Gagnon", "Inspector")

    body = """Good morning,

Forwarding the note below from Captain Lund at Elk Township PD. He asked our association about
peer help and I think your program is a much better fit than anything we offer. Please reach out
to him directly.

Jill Roe
Member Services Coordinator
State Association of Police Executives
517-555-0102

From: Lund, Erik <elund@elktwp.example.gov>
Sent: Monday, March 3, 2025 9:00 AM
To: Roe, Jill <jroe@sape.example.org>
Subject: Mental health officers

We want one officer per district as the go-to for mental health calls.

Capt. Erik Lund
Elk Township Police Department
(616) 555-0137
"""
    found = requester(
        rules,
        sites,
        body,
        subject="FW: Mental health officers",
        from_addr="Jill Roe <jroe@sape.example.org>",
    )
    assert (found.name, found.email) == ("Erik Lund", "elund@elktwp.example.gov")
    assert found.agency == "Elk Township Police Department"


@pytest.mark.parametrize(
    ("opening", "title", "agency", "city", "state"),
    [
        (
            "hey, im a sgt with Ravenna State Univ PD here in ravenna ohio. we see",
            "Sergeant",
            "Ravenna State University Police Department",
            "Ravenna",
            "OH",
        ),
        (
            "hey\n\ndeputy w/ pike county SO in missouri. we are small",
            "Deputy",
            "Pike County Sheriff's Office",
            "",
            "MO",
        ),
        (
            "Hi - Lt Ochoa, Dry Creek PD (NV). two things",
            "Lieutenant",
            "Dry Creek Police Department",
            "",
            "NV",
        ),
        (
            "hi - im a patrol officer at lakemont PD in georgia, not sure",
            "Officer",
            "Lakemont Police Department",
            "",
            "GA",
        ),
        (
            "Chief Deputy Rourke, Kettle Ridge County Sheriff's Office in Indiana. Last year",
            "Chief Deputy",
            "Kettle Ridge County Sheriff's Office",
            "",
            "IN",
        ),
        (
            "Sgt Hale with Medford PD in southern Oregon. I supervise",
            "Sergeant",
            "Medford Police Department",
            "",
            "OR",
        ),
    ],
)
def test_informal_lower_case_self_introductions(opening, title, agency, city, state):
    found = self_introduction(opening)
    assert (found.title, found.agency, found.state) == (title, agency, state)
    assert found.city == city


def test_an_agency_named_by_another_writer_is_not_the_writers_own():
    assert self_introduction("I'm hoping to visit Tucson PD next month.").agency == ""
    assert self_introduction("I talked to Houston PD last week.").agency == ""


def test_a_police_domain_spelled_as_the_words_of_the_email(rules, sites):
    body = """hi there

we are a small dept (9 sworn) in pine hollow va, closest ER is 45 min away. we would like
our officers trained to talk people down. happy to do a phone call

thx -mike
"""
    found = requester(rules, sites, body, from_addr="Mike Tran <mtran@pinehollowpd.example.gov>")
    assert found.agency == "Pine Hollow Police Department"
    assert (found.agency_type, found.city, found.state) == ("police", "Pine Hollow", "VA")
    assert agency_from_domain("a@kettlecountyso.example.gov", "out in kettle") == (
        "Kettle County Sheriff's Office"
    )
    # a domain the text does not spell is no evidence of the words
    assert agency_from_domain("a@pinehollowpd.example.gov", "we are small") == ""


def test_a_signed_acronym_gives_way_to_the_name_the_writer_spelled_out(rules, sites):
    body = """hey, im a sgt with Ravenna State Univ PD here in ravenna ohio. we want to pair
an officer with a clinician from the counseling center.

Aaron Delacroix
RSU Police
o: 330-555-0139
"""
    found = requester(rules, sites, body, from_addr="Aaron Delacroix <ad@rsu.example.edu>")
    assert found.agency == "Ravenna State University Police Department"
    assert (found.title, found.agency_type, found.city) == ("Sergeant", "campus", "Ravenna")


def test_an_acronym_inside_the_signed_name_gives_way_to_the_name_spelled_out(rules, sites):
    body = """Hello,

I'm the youth officer for the Ashby Falls Unified School District Police Department, and we
would like a curriculum for de-escalation with teenagers.

Ofc. Mara Lindqvist
Ashby Falls USD Police Department
Ashby Falls, California
"""
    found = requester(rules, sites, body, from_addr="Mara Lindqvist <ml@afusd.example.org>")
    assert found.agency == "Ashby Falls Unified School District Police Department"
    assert (found.title, found.agency_type) == ("Officer", "campus")


def test_an_office_of_a_city_on_one_line_keeps_the_order_written(rules, sites):
    body = """Could someone send examples of alternative response budgets?

Dev Okonkwo
Policy Director
Office of the Mayor, City of Harlan Springs
200 Main Street, Harlan Springs, KS 66002
"""
    found = requester(rules, sites, body, from_addr="Dev Okonkwo <do@harlanks.example.gov>")
    assert found.agency == "Office of the Mayor, City of Harlan Springs"
    assert found.agency_type == "government"


def test_a_city_and_its_office_side_by_side_name_the_office(rules, sites):
    body = """Could someone send examples of alternative response budgets?

Dev Okonkwo
Policy Analyst
City of Harlan Springs | Office of Neighborhood Safety
"""
    found = requester(rules, sites, body, from_addr="Dev Okonkwo <do@harlanks.example.gov>")
    assert found.agency == "City of Harlan Springs Office of Neighborhood Safety"


def test_a_state_police_rank_before_the_name_is_the_title(rules, sites):
    body = """We want a refresher for our CIT troopers. Email is easiest.

TFC Owen Baptiste
Vermont State Police, Troop B
802-555-0133
"""
    found = requester(rules, sites, body, from_addr="Owen Baptiste <ob@vsp.example.gov>")
    assert (found.name, found.title) == ("Owen Baptiste", "Trooper First Class")


def test_a_writer_who_says_who_they_are_first_asks_in_their_own_name(rules, sites):
    body = """Good morning,

I'm the records analyst for the Ferris Bend Police Department. Chief Alma Ruiz asked me to
reach out because I pulled the repeat-call numbers. She is at 706-555-0100 if you need her.

Nobody checks back in with these people once the call is over. What do others do?

Tomas Lee
Records Analyst
Ferris Bend Police Department
"""
    found = requester(rules, sites, body, from_addr="Tomas Lee <tlee@ferrisbend.example.gov>")
    assert (found.name, found.title) == ("Tomas Lee", "Records Analyst")
    assert found.email == "tlee@ferrisbend.example.gov"


def test_a_sworn_rank_over_a_unit_serves_the_department_written_short(rules, sites):
    body = """Could someone call me about homeless outreach?

Lt. Rosa Elling
Neighborhood Services
Cabo Verde PD
805-555-0187
"""
    found = requester(rules, sites, body, from_addr="Rosa Elling <re@caboverdeca.example.gov>")
    assert (found.title, found.agency) == ("Lieutenant", "Cabo Verde Police Department")


def test_a_state_written_after_the_town_in_the_mail_domain(rules, sites):
    body = """We want CIT for our six officers.

Ron Tillman
Chief of Police
Sweetwater Crossing Police Department
"""
    found = requester(
        rules, sites, body, from_addr="Ron Tillman <rt@sweetwatercrossingmt.example.gov>"
    )
    assert (found.city, found.state) == ("Sweetwater Crossing", "MT")
    found = requester(rules, sites, body, from_addr="Ron Tillman <rt@sweetwater.example.gov>")
    assert found.state != "MT"


def test_a_rank_and_surname_over_a_phone_line_give_the_title(rules, sites):
    body = """Need CIT for my deputies. Want a phone call.

Sheriff Hale
417-555-0118

Birch Hollow County Sheriff's Office
12 Court St., Avalon, MO 65601
"""
    found = requester(rules, sites, body, from_addr="Ned Hale <nhale@birchso.example.gov>")
    assert (found.name, found.title) == ("Ned Hale", "Sheriff")


def test_a_chief_from_a_town_in_the_opening_names_the_department(rules, sites):
    body = """Hi - Chief Marchand from Pike Falls VT. We're 6 officers and want one clinician.

Thanks
Rene
"""
    found = requester(rules, sites, body, from_addr="Rene Marchand <rm@pikefalls.example.gov>")
    assert (found.title, found.agency) == ("Chief", "Pike Falls Police Department")
    assert (found.city, found.state) == ("Pike Falls", "VT")


def test_texas_school_district_police_written_short(rules, sites):
    body = """We want a youth CIT curriculum.

Sgt. Ana Ruiz
Cedar Park ISD Police Department
"""
    found = requester(rules, sites, body, from_addr="Ana Ruiz <ar@cpisd.example.org>")
    assert found.agency == "Cedar Park Independent School District Police Department"


def test_a_puerto_rico_signature_in_spanish(rules, sites):
    body = """We would like a CIT curriculum in Spanish.

Sgto. Luis Ortega Rivera
Policía Municipal de Cataño
Cataño, Puerto Rico
Tel. (787) 555-0142
"""
    found = requester(rules, sites, body, from_addr="Luis Ortega <lortega@catano.example.gov>")
    assert (found.name, found.title) == ("Luis Ortega Rivera", "Sergeant")
    assert (found.agency, found.agency_type) == ("Policía Municipal de Cataño", "police")
    assert (found.city, found.state) == ("Cataño", "PR")


def test_a_county_written_co_before_so_and_a_department_named_for_a_state(rules, sites):
    found = requester(
        rules,
        sites,
        "need help w/ crisis calls\n\nthanks\nJo Baca\nGreeley Co SO\n",
        from_addr="Jo Baca <jb@greeleyso.example.gov>",
    )
    assert (found.agency, found.city) == ("Greeley County Sheriff's Office", "")
    found = requester(
        rules,
        sites,
        "Could we talk by phone?\n\nLt. Kai Ho\nHawaii Police Department\n",
        from_addr="Kai Ho <kh@hawaiipolice.example.gov>",
    )
    assert (found.agency, found.city) == ("Hawaii Police Department", "")


def test_a_unit_on_the_title_line_gives_way_to_the_organisation_below(rules, sites):
    body = """Could someone email examples of peer recovery coaches on crisis calls?

Tamsin Ruiz
Program Manager, Peer Recovery Services
Lakeshore Recovery Partners
603-555-0115
"""
    found = requester(rules, sites, body, from_addr="Tamsin Ruiz <tr@lakeshore.example.org>")
    assert (found.title, found.agency) == ("Program Manager", "Lakeshore Recovery Partners")


def test_a_place_in_brackets_after_the_writers_organisation(rules, sites):
    body = """I run crisis services for Two Forks Behavioral Health (Gunnison, CO). Could we talk
about hand-offs with deputies?

Mara Lind
Director of Crisis Services
Two Forks Behavioral Health
"""
    found = requester(rules, sites, body, from_addr="Mara Lind <ml@twoforks.example.org>")
    assert (found.city, found.state) == ("Gunnison", "CO")


def test_an_interim_chief_and_a_county_office(rules, sites):
    body = """Could we set up a call about CIT?

Ray Dunn
Interim Chief of Police
Pell Township Police Department
Pell Township, MI
"""
    found = requester(rules, sites, body, from_addr="Ray Dunn <rd@pelltwp.example.gov>")
    assert (found.title, found.agency) == (
        "Interim Chief of Police",
        "Pell Township Police Department",
    )
    body = "Could we set up a call?\n\nAmy Cole\nGrant County Office of Justice Programs\n"
    found = requester(rules, sites, body, from_addr="Amy Cole <ac@grantcounty.example.gov>")
    assert found.agency_type == "government"


def test_an_assistant_asked_to_send_the_request_along(rules, sites):
    body = """Good morning,

Sheriff Vance asked me to send this along. He would like to talk about how deputies work
with the county crisis team. You can reach him directly at dvance@larchso.example.gov or
on his cell 320-555-0162.

Thank you,

Brenda Kowal
Executive Assistant to Sheriff Dale Vance
Larch County Sheriff's Office
"""
    found = requester(rules, sites, body, from_addr="Brenda Kowal <bkowal@larchso.example.gov>")
    assert (found.name, found.title) == ("Dale Vance", "Sheriff")
    assert (found.email, found.phone) == ("dvance@larchso.example.gov", "+13205550162")


def test_a_reply_finds_the_writers_introduction_in_their_quoted_first_email(rules, sites):
    body = """Quick update - please use my direct line, 503-555-0121.

Laura

-----Original Message-----
From: Laura Pham <lpham@cityofalder.example.gov>
Sent: Monday, March 11, 2024 10:05 AM
To: learningsites@justice-center.example.org
Subject: co-responder question

I'm a grant writer for the City of Alder Creek, Oregon, working with our police department.
"""
    found = requester(rules, sites, body, from_addr="Laura Pham <lpham@cityofalder.example.gov>")
    assert (found.title, found.agency) == ("Grant Writer", "City of Alder Creek")
    assert found.agency_type == "government"


def test_places_written_with_their_state_in_the_writers_own_words(rules, sites):
    body = """I'm the executive director of NAMI Tri-Valley, based in Elk Hollow Falls, Idaho.
Our families want to help start CIT. Email is best.

Georgia Lind
Executive Director, NAMI Tri-Valley
"""
    found = requester(rules, sites, body, from_addr="Georgia Lind <gl@nami.example.org>")
    assert (found.city, found.state) == ("Elk Hollow Falls", "ID")
    assert found.agency_type == "other"


def test_units_in_display_names_are_not_name_parts():
    assert display_name('"Harlan, Rebecca (DMH)"') == "Rebecca Harlan"
    assert display_name("Okafor, Adrienne - Mayor's Office") == "Adrienne Okafor"


def test_a_sheriff_signing_with_the_county_and_town_in_brackets():
    facts = read_signature(
        ["-- Sheriff Dale Whitby, Cole County (Green Hollow, Mo.)  573.555.0182"], "Dale Whitby"
    )
    assert (facts.title, facts.agency) == ("Sheriff", "Cole County Sheriff's Office")
    assert (facts.city, facts.state, facts.phone) == ("Green Hollow", "MO", "+15735550182")


def test_a_one_line_sign_off_and_an_office_named_in_the_introduction(rules, sites):
    found = requester(
        rules,
        sites,
        "Can someone give me a call about co-responder programs.\n\n802-555-0123\n"
        "Dan - Alder PD, VT\n",
        from_addr="Dan Pruitt <dpruitt@aldervt.example.gov>",
    )
    assert (found.agency, found.state) == ("Alder Police Department", "VT")
    found = requester(
        rules,
        sites,
        "I'm a supervising attorney at the Ashford County Public Defender's Office in Millbrook,"
        " North Carolina. Our clients need somewhere other than jail.\n",
        from_addr="Dana Fox <dfox@ashford.example.org>",
    )
    assert found.agency == "Ashford County Public Defender's Office"


def test_a_unit_that_names_no_place_gives_way_to_the_organisation_below():
    facts = read_signature(
        [
            "Maureen Gallo",
            "Grants Administrator",
            "Office of Justice Programs",
            "Keystone Commission on Crime and Delinquency",
            "(717) 555-0139",
        ],
        "Maureen Gallo",
    )
    assert facts.agency == "Keystone Commission on Crime and Delinquency"
    facts = read_signature(
        ["Marcus Dupree", "Deputy Director", "Palmetto County Consolidated 9-1-1 Center"], ""
    )
    assert facts.agency == "Palmetto County Consolidated 9-1-1 Center"
    assert agency_type(facts.agency) == "government"


def test_a_colleague_forwarding_for_the_writer_lends_the_agency_and_office_line(rules, sites):
    body = """Good morning,

Chief Halvor asked me to forward the message below. Please reply directly to him.

Tammy Reyes
Executive Assistant to the Chief of Police
Elmwood Police Department
785-555-0100 ext 2201

-----Original Message-----
From: Erik Halvor <ehalvor@elmwoodks.example.gov>
Sent: Monday, March 4, 2024 8:02 AM
To: Tammy Reyes <treyes@elmwoodks.example.gov>
Subject: CIT

Tammy - can you send this to the learning sites people. We want every officer CIT trained.

Erik
"""
    found = requester(
        rules,
        sites,
        body,
        subject="FW: CIT",
        from_addr="Tammy Reyes <treyes@elmwoodks.example.gov>",
    )
    assert (found.name, found.email) == ("Erik Halvor", "ehalvor@elmwoodks.example.gov")
    assert (found.agency, found.phone) == ("Elmwood Police Department", "+17855550100")


def test_a_greeting_is_no_sign_off_and_civic_titles_are_no_name_parts():
    assert self_introduction("Hi - does Madison PD have an MOU they use?").agency == ""
    assert display_name("Commissioner Linda Haver") == "Linda Haver"
    assert display_name("Mayor Ann Lee") == "Ann Lee"


def test_a_sworn_rank_serves_the_police_service_below_a_portfolio():
    facts = read_signature(
        [
            "Insp. Genevieve Tremblay",
            "Community Mobilization & Mental Health",
            "Lakehead Police Service",
            "Thunder Bay, ON",
        ],
        "Genevieve Tremblay",
    )
    assert (facts.title, facts.agency) == ("Inspector", "Lakehead Police Service")
    assert agency_type(facts.agency) == "police"


def test_a_capitalised_this_is_introduction_and_a_police_service(rules, sites):
    found = requester(
        rules,
        sites,
        "Hello,\n\nThis is Sgt. Ray Olsen with Dunmore PD in Pennsylvania, you can reach me at"
        " 570-555-0182. We keep getting called to the same houses.\n\nRay\n",
        from_addr="Ray Olsen <rolsen@dunmorepd.example.gov>",
    )
    assert (found.title, found.agency, found.state) == (
        "Sergeant",
        "Dunmore Police Department",
        "PA",
    )
    assert self_introduction("I'm with the Brant Police Service in Ontario.").agency == (
        "Brant Police Service"
    )


def test_a_campus_police_unit_takes_its_universitys_name():
    facts = read_signature(
        ["Chief Angela Brooks | University Police | Lowndes State University", "229-555-0109"],
        "Angela Brooks",
    )
    assert facts.agency == "Lowndes State University Police Department"


def test_an_assistant_to_a_chief_keeps_her_own_title_and_the_department_the_body_names(
    rules, sites
):
    body = """Good morning,

I am the executive assistant to Chief Howard Lyle of the Cedar Rapids Falls Police Department
in North Carolina, and the Chief asked me to reach out on his behalf. He would like a call.
Please contact me at 252-555-0170.

Tamika Reyes
Office of the Chief of Police
"""
    found = requester(rules, sites, body, from_addr="Tamika Reyes <treyes@crf.example.gov>")
    assert (found.name, found.title) == ("Tamika Reyes", "Executive Assistant")
    assert found.agency == "Cedar Rapids Falls Police Department"


def test_a_capitalised_on_behalf_and_a_dotted_so(rules, sites):
    body = """Good morning,

On behalf of Sheriff Thomas Greer, I am writing to request a call about adding a clinician.
Please contact him directly at tgreer@larkso.example.gov.

Carla Benedetti
Executive Assistant to the Sheriff
Lark County S.O.
(989) 555-0171
"""
    found = requester(rules, sites, body, from_addr="Carla Benedetti <cb@larkso.example.gov>")
    assert (found.name, found.email) == ("Thomas Greer", "tgreer@larkso.example.gov")
    assert normalize_agency("Lark County S.O.")[0] == "Lark County Sheriff's Office"
    assert normalize_agency("Avon P.D.")[0] == "Avon Police Department"


def test_a_forwarder_asking_the_program_to_follow_up_with_the_sender(rules, sites):
    body = """Hi all,

Forwarding this from Chief Tolliver. Can someone follow up with him directly? His contact
info is at the bottom of his note.

Mark

---------- Forwarded message ---------
From: Ray Tolliver <rtolliver@pinegap.example.gov>
Date: Mon, Mar 4, 2024 at 8:02 AM
Subject: follow-up visits
To: Mark Dunn <mdunn@odcp.example.gov>

Mark, we have a dozen people who account for most of our calls. We want to check on them
after each crisis.

Ray Tolliver
Chief of Police
Pine Gap Police Department
606-555-0155
"""
    found = requester(
        rules,
        sites,
        body,
        subject="Fwd: follow-up visits",
        from_addr="Mark Dunn <mdunn@odcp.example.gov>",
    )
    assert (found.name, found.email) == ("Ray Tolliver", "rtolliver@pinegap.example.gov")
    assert found.agency == "Pine Gap Police Department"


@pytest.mark.parametrize(
    ("agency_line", "kind"),
    [
        ("Family Coalition for Mental Wellness of Story County", "other"),
        ("Juniper County Government", "government"),
        ("Cass County Joint Communications", "government"),
    ],
)
def test_organisations_named_without_a_usual_head_word(agency_line, kind):
    facts = read_signature(["Ruth Amsel", "Executive Director", agency_line, "(515) 555-0144"])
    assert facts.agency == agency_line
    assert agency_type(facts.agency) == kind


def test_an_advocates_alliance_is_other_and_a_counseling_provider_is_an_agency():
    assert agency_type("Mental Health Alliance of the Chattahoochee Valley") == "other"
    assert agency_type("Tri-Valley Recovery Alliance") == "behavioral_health"
    facts = read_signature(["Theresa Maddox", "Chief Clinical Officer", "Northern Tier Counseling"])
    assert facts.agency == "Northern Tier Counseling"
    assert agency_type(facts.agency) == "behavioral_health"


def test_defenders_and_prosecutors_are_government_and_a_health_authority_is_a_provider():
    assert agency_type("Ridge County Public Defender's Office") == "government"
    assert agency_type("Office of the District Attorney") == "government"
    assert agency_type("Fraser Coast Health Authority") == "behavioral_health"


def test_the_head_of_an_agency_named_by_its_place_alone(rules, sites):
    body = """Hi there,

This is Ole Brekke, chief of police in Grand Marais, MN. We have six officers and
nobody to call at night. Could a site talk with us about a clinician by video?

Ole
"""
    found = requester(rules, sites, body, from_addr="Ole Brekke <obrekke@grandmarais.example.gov>")
    assert (found.title, found.agency) == ("Chief of Police", "Grand Marais Police Department")
    assert (found.city, found.state) == ("Grand Marais", "MN")
    body = """hello. im the sheriff up here in judith county montana, name is Wade Pellham.
our deputies drive four hours for every hold. could you call me 406-555-0166.
"""
    found = requester(
        rules, sites, body, from_addr="Judith County Sheriff <sheriff@judithmt.example.gov>"
    )
    assert (found.name, found.title) == ("Wade Pellham", "Sheriff")
    assert (found.agency, found.state) == ("Judith County Sheriff's Office", "MT")


def test_an_assistant_for_the_chief_of_police_but_not_a_deputy_chief_for_the_department(
    rules, sites
):
    body = """Good morning,

I am writing on behalf of Chief of Police Stephen Alvarado of the Fort Allen Police
Department. Please contact the Chief directly through his office line at 260-555-0100.

Denise Harper
Executive Assistant to the Chief of Police
Fort Allen Police Department
260-555-0101
"""
    found = requester(rules, sites, body, from_addr="Harper, Denise <dh@fortallen.example.gov>")
    assert (found.name, found.title) == ("Stephen Alvarado", "Chief of Police")
    assert found.phone == "+12605550100"
    body = """Good morning,

On behalf of Chief of Police Gerald Winslow and the Operations Division, I would like to
request a site visit. He can be reached at 260-555-0100.

Katherine Abernathy
Deputy Chief
Fort Allen Police Department
260-555-0102
"""
    found = requester(
        rules, sites, body, from_addr="Katherine Abernathy <ka@fortallen.example.gov>"
    )
    assert (found.name, found.title) == ("Katherine Abernathy", "Deputy Chief")


def test_a_county_line_a_court_of_common_pleas_and_a_site_to_be_introduced_to(rules, sites):
    body = """Dear staff,

Yes, we would welcome an introduction to the Tucson Police Department's team.

Renata Solis
Grants Manager
Luna County, New Mexico
Tel. 575-555-0109
"""
    found = requester(rules, sites, body, from_addr="Renata Solis <rs@lunacounty.example.gov>")
    assert (found.agency, found.agency_type, found.state) == ("Luna County", "government", "NM")
    facts = read_signature(
        ["Adrienne Kowal", "Docket Coordinator", "Summit County Court of Common Pleas"]
    )
    assert facts.agency == "Summit County Court of Common Pleas"


def test_a_request_forwarded_as_an_attachment_names_its_writer(rules, sites):
    analysis = classify.analyze(parse_email(forwarded_as_attachment()), rules, sites)
    assert analysis.requester.name == "Lena Ortiz"
    assert analysis.requester.email == "lortiz@cedarvillepd.example.gov"
    assert analysis.specializations == ("co_responder",)


def test_signature_parts_split_by_stars_and_double_dashes():
    facts = read_signature(
        [
            "Heather Lund, MSW -- Director of Community Programs",
            "Granite Bay Counseling Center, Dover NH -- 603-555-0191",
        ]
    )
    assert (facts.title, facts.agency) == (
        "Director of Community Programs",
        "Granite Bay Counseling Center",
    )
    assert (facts.city, facts.state) == ("Dover", "NH")
    facts = read_signature(["Joanne Kess", "Clinical Director", "Valentine, NE * 402-555-0187"])
    assert (facts.city, facts.state, facts.phone) == ("Valentine", "NE", "+14025550187")
    assert normalize_agency("Mesa Ridge CC Police")[0] == (
        "Mesa Ridge Community College Police Department"
    )


def test_a_letterhead_and_where_the_agency_is_headquartered_place_the_writer(rules, sites):
    body = """HALVOR COUNTY CRIMINAL JUSTICE COORDINATING COUNCIL
215 Courthouse Square
Linden Falls, Iowa 50299

Dear program staff,

We would like help planning a co-responder program.

Helen Marsh
Criminal Justice Coordinator
Halvor County Criminal Justice Coordinating Council
"""
    found = requester(rules, sites, body, from_addr="Helen Marsh <hm@halvor.example.gov>")
    assert (found.city, found.state) == ("Linden Falls", "IA")
    body = """Hello,

We're a county of about 60,000 with 85 sworn, headquartered in Dunmore. We would like
help with CIT.

Capt. Darnell Hughes | Patrol Division | Pell County Sheriff's Office | (478) 555-0131
"""
    found = requester(rules, sites, body, from_addr="Darnell Hughes <dh@pellso.example.gov>")
    assert (found.city, found.state) == ("Dunmore", "GA")


def test_a_dashed_sign_off_at_the_end_of_a_one_line_email(rules, sites):
    body = (
        "Do any sites train dispatchers? Our 911 center wants to start. - Marcus Lee, Ayden PD (NC)"
    )
    found = requester(rules, sites, body, from_addr="Marcus Lee <mlee@ayden.example.gov>")
    assert (found.agency, found.city, found.state) == ("Ayden Police Department", "Ayden", "NC")
    body = "Hi - Lt Morales, Copper Springs PD (NV). We want CIT for nights."
    found = requester(rules, sites, body, from_addr="Ana Morales <am@cs.example.gov>")
    assert (found.title, found.agency) == ("Lieutenant", "Copper Springs Police Department")


def test_an_acronym_beside_the_name_in_full_gives_way_to_it():
    facts = read_signature(
        [
            "WVU POLICE  Jordan Pike",
            "WVU POLICE  Assistant Chief of Police",
            "WVU POLICE  Wabash Valley University Police Department",
        ]
    )
    assert facts.agency == "Wabash Valley University Police Department"
    assert agency_type(facts.agency) == "campus"


def test_the_assistant_to_a_named_chief_writing_on_his_behalf(rules, sites):
    body = """Good afternoon,

I am the executive assistant to Chief of Police Anthony Russ and am writing
on his behalf. He would like a call about mental health officers.

Please contact the Chief directly:

    Anthony Russ, Chief of Police
    Bexford Police Department, Bexford, NJ
    aruss@bexford.example.gov
    (732) 555-0177

Linda Farrow
Executive Assistant to the Chief of Police
Bexford Police Department
(732) 555-0100
"""
    found = requester(rules, sites, body, from_addr="Linda Farrow <lf@bexford.example.gov>")
    assert (found.name, found.title) == ("Anthony Russ", "Chief of Police")
    assert (found.email, found.phone) == ("aruss@bexford.example.gov", "+17325550177")
