"""Classification of hand-written emails: kinds, needs, paraphrase, negation, sites and evidence."""

from __future__ import annotations

import classify
from classify.evaluate import explain
from ingest import parse_email
from tests.classifying import REPO, run
from tests.mail import make_email

SIGNATURE = """
Thanks,

Sgt. Priya Nandakumar
Harbor City Police Department
410 Front St., Harbor City, OR 97420
(541) 555-0190
"""


def test_paraphrased_co_responder_and_follow_up(rules, sites):
    body = (
        "Hello,\n\nWe want a therapist who rides along with our officers on weekend nights, "
        "and somebody to check on the handful of residents we keep seeing week after week "
        "before the next crisis.\n\nA phone call with a site that does this would help.\n"
        + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Ideas for our crisis calls")
    assert analysis.kind.kind == "request"
    assert analysis.specializations[:1] == ("co_responder",)
    assert "follow_up" in analysis.specializations
    assert analysis.ta_types == ("call",)


def test_paraphrased_dispatch_need(rules, sites):
    body = (
        "Hi,\n\nOur call takers don't know what to do with suicidal callers, and the "
        "dispatch center has no screening questions for them. Who trains telecommunicators "
        "on this?\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="help for our 911 staff")
    assert analysis.specializations[:1] == ("dispatch",)


def test_negated_cit_is_not_a_need(rules, sites):
    body = (
        "Hello,\n\nWe already have CIT, so we don't need training. What we want is a "
        "designated mental health officer in each district as the point of contact for "
        "families.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Liaison officers")
    assert "cit" not in analysis.specializations
    assert analysis.specializations[:1] == ("mh_liaison",)
    cit = [r for r in analysis.rule_results if r.rule == "cit-named"][0]
    assert not cit.hit and "negated" in cit.reason


def test_cit_without_negation_is_a_need(rules, sites):
    body = "Hello,\n\nWe want to start a CIT program for our deputies.\n" + SIGNATURE
    analysis = run(rules, sites, body, subject="Starting out")
    assert analysis.specializations == ("cit",)


def test_embedded_clinician_and_topics(rules, sites):
    body = (
        "Good morning,\n\nThe council approved money to hire a social worker who would work "
        "out of our station. Many of the people we meet are unhoused and using fentanyl. "
        "We also need to know what HIPAA lets the social worker tell officers, and how you "
        "measure outcomes. Could two of us come see a department that does this?\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Social worker position")
    assert analysis.specializations[:1] == ("embedded_clinician",)
    assert set(analysis.topics) >= {"homelessness", "substance_use", "info_sharing", "data"}
    assert "site_visit" in analysis.ta_types
    assert analysis.evidence["embedded_clinician"]


def test_mobile_crisis_rural_funding(rules, sites):
    body = (
        "Hello,\n\nWe cover a rural county where the nearest hospital is two hours away. "
        "The county wants its mobile crisis team to go out instead of our deputies, and we "
        "need a grant to pay for it. Email is easiest for me.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Crisis team question")
    assert analysis.specializations == ("mobile_crisis",)
    assert set(analysis.topics) >= {"rural", "funding"}
    assert analysis.ta_types == ("email",)


def test_contacted_sites_by_alias_and_short_name(rules, sites):
    body = (
        "Hello,\n\nWe would like to visit the Tucson Police Department, and after that "
        "talk with someone at the Madison County Sheriff's Office in Tennessee about CIT.\n"
        + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Visit request")
    assert analysis.contacted_sites == ("tucson", "madison_county_tn")


def test_other_portland_and_madison_are_not_sites(rules, sites):
    body = (
        "Hello,\n\nI work near Portland, Oregon and used to live in Madison County, Ohio. "
        "We want to start CIT.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="CIT")
    assert analysis.contacted_sites == ()


def test_notice_of_direct_contact(rules, sites):
    body = (
        "Hi,\n\nFor your records: we contacted the Salt Lake City Police Department directly "
        "about their social workers and have a call next week. No action needed.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="FYI")
    assert analysis.kind.kind == "notice"
    assert analysis.contacted_sites == ("salt_lake_city",)


def test_reply_known_thread_and_text_only(rules, sites):
    body = "Thanks for setting up the call, Tuesday works.\n" + SIGNATURE
    threaded = run(rules, sites, body, subject="Re: our request", known_thread=True)
    assert threaded.kind.kind == "reply"
    body = "Just circling back on my note from last month about the visit.\n" + SIGNATURE
    unthreaded = run(rules, sites, body, subject="Re: visit request")
    assert unthreaded.kind.kind == "reply"


def test_auto_reply_from_header_and_from_text(rules, sites):
    header = run(
        rules,
        sites,
        "I am away.\n",
        subject="Away",
        headers={"Auto-Submitted": "auto-replied"},
    )
    assert header.kind.kind == "auto_reply"
    assert header.specializations == ()
    text = run(
        rules,
        sites,
        "Thank you for your message. I am out of the office until June 3 with limited access "
        "to email. For CIT matters please contact Officer Lee.\n",
        subject="Re: CIT question",
    )
    assert text.kind.kind == "auto_reply"
    assert text.requester.name == ""


def test_bounce_and_bulk_and_phishing(rules, sites):
    bounce = run(
        rules,
        sites,
        "Your message could not be delivered.\n",
        subject="Undelivered Mail Returned to Sender",
        from_addr="MAILER-DAEMON@mx.example.org",
    )
    assert bounce.kind.kind == "bounce"
    bulk = run(
        rules,
        sites,
        "This month: co-responder news.\n",
        subject="Newsletter",
        headers={"List-Id": "<news.example.org>", "Precedence": "bulk"},
    )
    assert bulk.kind.kind == "other"
    phishing = run(
        rules,
        sites,
        "Your mailbox is full. Validate your account now or it will be suspended.\n",
        subject="ACTION REQUIRED",
        from_addr="IT Desk <desk@quota.example.net>",
    )
    assert phishing.kind.kind == "other"
    misdirected = run(
        rules,
        sites,
        "I need a copy of the police report for my car accident, case number 22-1.\n",
        subject="report",
        from_addr="Sam Doe <sam@mail.example>",
    )
    assert misdirected.kind.kind == "other"


def test_every_rule_is_recorded_with_version(rules, sites):
    analysis = run(rules, sites, "We want CIT training.\n" + SIGNATURE, subject="CIT")
    assert analysis.rules_version == rules.version
    assert len(analysis.rule_results) == len(rules.rules)
    hits = [r for r in analysis.rule_results if r.hit]
    assert hits and all(r.matched for r in hits)
    assert any(not r.hit and r.reason == "no match" for r in analysis.rule_results)
    scores = {s.label: s for s in analysis.labels}
    assert scores["cit"].accepted and not scores["dispatch"].accepted


def test_quoted_program_text_does_not_count(rules, sites):
    body = (
        "Tuesday works for us.\n\nSgt. Priya Nandakumar\n\n"
        "On Mon, Mar 3, 2025 at 9:00 AM Learning Sites <learningsites@justice-center.example.org>"
        " wrote:\n> Houston and LAPD both run co-responder teams and could talk with you.\n"
    )
    analysis = run(rules, sites, body, subject="Re: request", known_thread=True)
    assert analysis.kind.kind == "reply"
    assert analysis.contacted_sites == ()
    assert "co_responder" not in analysis.specializations


def test_decide_kind_without_rules_uses_headers():
    parsed = parse_email(make_email("hi", headers={"Precedence": "junk"}))
    assert classify.decide_kind(parsed, known_thread=False).kind == "other"
    parsed = parse_email(make_email("hi"))
    assert classify.decide_kind(parsed, known_thread=True).kind == "reply"


def test_summary_ends_at_a_sentence_that_ends_at_the_limit() -> None:
    from classify.analyze import SUMMARY_CHARS, summarize

    first = "We want a co-responder team. "
    filler = "x" * (SUMMARY_CHARS - len(first) - 1) + "."
    summary = summarize(first + filler + " And more after the limit.")
    assert summary == first + filler
    assert not summary.endswith("…")


def test_a_need_named_only_as_context_is_set_aside(rules, sites):
    body = (
        "Hello,\n\nThe Harbor City Police Department has run a Mobile Crisis Team with the "
        "county since 2018, and it covers days and evenings.\n\nWe would like help starting "
        "a co-responder team, with a clinician riding with our officers on weekend nights.\n"
        + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Weekend nights")
    assert analysis.specializations == ("co_responder",)
    mobile = {s.label: s for s in analysis.labels}["mobile_crisis"]
    assert mobile.score >= mobile.threshold and not mobile.accepted
    assert "context" in mobile.set_aside
    explained = {x["label"]: x for x in explain(analysis)["labels"]}
    assert explained["mobile_crisis"]["set_aside"] == mobile.set_aside


def test_a_follow_up_duty_of_an_embedded_clinician_is_part_of_that_need(rules, sites):
    body = (
        "Hello,\n\nWe would like to hire a clinician who works out of our station, goes to "
        "calls with officers when needed, and follows up with people afterward. Who should "
        "employ the clinician?\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Clinician at our station")
    assert analysis.specializations == ("embedded_clinician",)
    follow_up = {s.label: s for s in analysis.labels}["follow_up"]
    assert follow_up.score >= follow_up.threshold and not follow_up.accepted
    assert "part of the embedded_clinician work" in follow_up.set_aside


def test_follow_up_with_its_own_evidence_stays_beside_an_embedded_clinician(rules, sites):
    body = (
        "Hello,\n\nWe would like to hire a clinician who works out of our station. We also "
        "want a follow-up team that visits overdose survivors in the days after, because the "
        "same people keep coming back.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Two ideas")
    assert set(analysis.specializations) == {"embedded_clinician", "follow_up"}
    assert not any(s.set_aside for s in analysis.labels if s.label == "follow_up")


def test_follow_up_named_in_the_subject_is_not_a_part(rules, sites):
    body = "Hello,\n\nWe would like to hire a clinician who works out of our station.\n" + SIGNATURE
    analysis = run(rules, sites, body, subject="Following up with people after crisis calls")
    follow_up = {s.label: s for s in analysis.labels}["follow_up"]
    assert follow_up.score == follow_up.threshold  # thin evidence, but the sender's headline
    assert set(analysis.specializations) == {"embedded_clinician", "follow_up"}


def test_a_proposal_put_to_the_sender_is_what_they_ask_about(rules, sites):
    body = (
        "Hello,\n\nThe sheriff and the clinic director brought the board a proposal: one "
        "counselor who would ride along with deputies on weekend nights.\n\nBefore I vote I "
        "need to understand two things: who ends up employing the counselor day to day, and "
        "how other small counties split the cost.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Shared counselor")
    assert analysis.specializations[:1] == ("co_responder",)


def test_cit_officers_named_beside_a_dispatch_need_leave_it_alone(rules, sites):
    body = (
        "Hello,\n\nWe are considering training for our telecommunicators so that crisis "
        "calls are identified at intake and routed to CIT officers.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Options")
    assert "dispatch" in analysis.specializations
    spared = classify.parse_rules(
        (REPO / "rules.toml").read_bytes().replace(b"spares = {", b"unused_spares = {")
    )
    without = run(spared, sites, body, subject="Options")
    assert "dispatch" not in without.specializations


def test_a_need_told_in_a_list_the_ask_introduces_is_kept(rules, sites):
    body = (
        "Hello,\n\nOur department runs a co-responder team on day shift.\n\n"
        "Specifically we hope to:\n\n"
        "* ride along with a co-responder team on nights\n"
        "* learn how a 911 call taker decides to send a mobile crisis team instead of officers"
        "\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Visit")
    assert set(analysis.specializations) >= {"co_responder", "mobile_crisis"}


def test_without_an_ask_in_so_many_words_every_need_is_kept(rules, sites):
    body = (
        "Hello,\n\nOur county has no mobile crisis team overnight. Our officers have no "
        "clinician to ride with them either.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Nights")
    assert set(analysis.specializations) == {"mobile_crisis", "co_responder"}
    assert not any(s.set_aside for s in analysis.labels)


def test_a_notice_keeps_every_need_it_reports(rules, sites):
    body = (
        "Hello,\n\nFor your tracking: we had a call with Madison County TN last week about "
        "their mobile crisis team. They also explained how their co-responder units work.\n"
        + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="FYI - call with Madison County")
    assert analysis.kind.kind == "notice"  # told, not asked: "how" here asks for nothing
    assert set(analysis.specializations) == {"mobile_crisis", "co_responder"}
    assert not any(s.set_aside for s in analysis.labels)


def test_a_notice_keeps_what_the_contact_was_about(rules, sites):
    body = (
        "Hello,\n\nFor your records: we contacted Madison County TN directly. Their CIT "
        "coordinator has invited two of our deputies to sit in on their CIT class in "
        "November. Nothing needed from you.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="FYI - Madison County")
    assert analysis.kind.kind == "notice"
    assert analysis.specializations == ("cit",)


def test_a_notice_leaves_aside_what_the_sender_only_heard_of(rules, sites):
    body = (
        "Hello,\n\nFor your records: we heard Tucson has a CIT program, but we talked "
        "directly with Madison PD about their mental health liaison officers. Nothing needed "
        "from you.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="FYI - Madison")
    assert analysis.kind.kind == "notice"
    assert "cit" not in analysis.specializations
    assert "mh_liaison" in analysis.specializations


def test_our_need_followed_by_a_plan_is_not_something_the_agency_has(rules, sites):
    body = (
        "Hello,\n\nFor your records: our co-responder planning group had a video call with "
        "Tucson PD last week. We don't need anything further for now.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Call with Tucson")
    assert analysis.kind.kind == "notice"
    assert analysis.specializations == ("co_responder",)
    has = run(rules, sites, body.replace("co-responder planning group", "co-responder team"))
    assert "co_responder" not in has.specializations


def test_expanding_what_the_agency_already_runs_is_a_need(rules, sites):
    body = (
        "Hello,\n\nThe idea that keeps coming up is expanding the mobile crisis team that our "
        "mental health center already runs. How have other counties done that?\n" + SIGNATURE
    )
    assert run(rules, sites, body, subject="Options").specializations == ("mobile_crisis",)
    body = body.replace("expanding the mobile crisis team that", "the mobile crisis team")
    assert "mobile_crisis" not in run(rules, sites, body, subject="Options").specializations


def test_what_the_agency_started_or_added_is_context_not_an_ask(rules, sites):
    body = (
        "Hello,\n\nWe started with CIT in 2016 and every recruit gets the 40-hour class. The piece "
        "we do not have is anything after the call: we would like to build a team that checks "
        "back on people a few days after a crisis.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="After the call")
    assert analysis.specializations == ("follow_up",)


def test_numbered_items_after_an_ask_are_asks(rules, sites):
    body = (
        "Hello,\n\nWe need help with CIT refreshers and two more things. The first matters "
        "most.\n\n"
        "1) Setting up a co-responder team with a clinician riding with officers.\n"
        "2) Training our call takers to screen mental health calls at dispatch.\n" + SIGNATURE
    )
    analysis = run(rules, sites, body, subject="Two things")
    assert set(analysis.specializations) == {"cit", "co_responder", "dispatch"}


PARENT = """Hello,

Are there still spots open at the outdoor learning site by the marsh on Tuesdays in May? We
would bring 24 children and five adults. Is there a picnic shelter?

Thank you!
Dana Whitcomb
"""


def test_mail_that_names_nothing_of_the_program_is_other(rules, sites):
    analysis = run(rules, sites, PARENT, subject="Field trip - learning site")
    assert analysis.kind.kind == "other"
    assert "nothing of police or mental health" in analysis.kind.reason
    assert analysis.specializations == ()


def test_a_reply_to_a_known_request_needs_no_program_word(rules, sites):
    body = "Thanks, Tuesday at 10 works for us.\n\nDana\n"
    analysis = run(rules, sites, body, subject="Re: scheduling", known_thread=True)
    assert analysis.kind.kind == "reply"


def test_a_program_word_anywhere_keeps_mail_a_request(rules, sites):
    body = "Could someone walk us through the options on a call?\n\nDana Whitcomb\n"
    analysis = run(rules, sites, body, subject="Council question - non-police response")
    assert analysis.kind.kind == "request"
    signed = run(rules, sites, PARENT + "Harbor City Police Department\n", subject="Trip")
    assert signed.kind.kind == "request"


def test_program_words_match_whole_words_across_line_breaks():
    from classify.kind import program_pattern

    pattern = program_pattern(["law enforcement", "police"])
    assert pattern is not None
    assert pattern.search("our local law\nenforcement partners")
    assert pattern.search("a non-police response")
    assert not pattern.search("the policeman's ball")


def test_without_program_words_every_email_is_in_scope(sites):
    rules = classify.parse_rules(b"[scope]\nprogram_words = []\n")
    assert run(rules, sites, PARENT, subject="Field trip").kind.kind == "request"
