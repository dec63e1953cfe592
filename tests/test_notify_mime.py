"""What staff receive: MIME parts, headers, threading, escaping, equal facts, admin overrides."""

from __future__ import annotations

import email
import email.policy
import html
import re
from collections.abc import Callable
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest import MaildirSource
from intake.config import Settings, load_config
from intake.pipeline import Pipeline, load_classifiers
from notify.errors import TemplateError
from notify.notifications import request_context
from notify.render import RenderedEmail, Renderer
from notify.transports import SmtpTransport
from store.db import Store, session_scope
from store.models import InboundMessage, OutboxEmail, Request, SiteSuggestion
from tests.conftest import REPO, write_config
from tests.mail import CO_RESPONDER_REQUEST, make_email
from tests.smtp_server import SmtpServer

HOSTILE_BODY = """Hello,

We need help starting a co-responder team <script>alert('x')</script> right away.
Our template says {{ 7 * 7 }} and {% for x in range(3) %}loop{% endfor %} and {{ config }}.
<img src="https://tracker.example/pixel.png"> &amp; "quotes"

Sam
"""
# The display name decodes to "Evil", CR, LF, "Bcc: victim@elsewhere.example".
CRLF_FROM = "=?utf-8?q?Evil=0D=0ABcc=3A_victim=40elsewhere=2Eexample?= <sam@hostile.example.gov>"


def pipeline_for(settings: Settings, store: Store) -> Pipeline:
    return Pipeline(settings, store, load_classifiers(settings))


def poll(settings: Settings, pipeline: Pipeline) -> None:
    pipeline.poll(MaildirSource(settings.source.maildir_path, name="tracking"))


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text, html_part = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None and html_part is not None
    return text.get_content(), html_part.get_content()


def html_as_text(markup: str) -> str:
    """What a reader sees of an HTML part: tags dropped, entities decoded, spaces collapsed."""
    markup = re.sub(r"(?is)<(head|style)\b.*?</\1>", " ", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.smtp
def test_staff_receive_both_parts_headers_and_a_threaded_update(
    settings: Settings,
    store: Store,
    deliver: Callable[[bytes], str],
    smtp_server: Callable[[str], SmtpServer],
) -> None:
    server = smtp_server("starttls")
    transport = SmtpTransport(server.settings())
    pipeline = pipeline_for(settings, store)
    deliver(
        make_email(
            CO_RESPONDER_REQUEST,
            subject="Co-responder program questions",
            message_id="<first@rivertonpd.example.gov>",
        )
    )
    poll(settings, pipeline)
    assert pipeline.send_outbox(transport).sent == 1
    deliver(
        make_email(
            "Thanks, Tuesday works for the call.\n\nJordan",
            subject="Re: Co-responder program questions",
            headers={
                "In-Reply-To": "<first@rivertonpd.example.gov>",
                "References": "<first@rivertonpd.example.gov>",
            },
        )
    )
    poll(settings, pipeline)
    assert pipeline.send_outbox(transport).sent == 1

    with session_scope(store) as session:
        request = session.scalars(select(Request)).one()
        ref = request.ref
    first, update = (parse(r.data) for r in server.received)
    assert server.received[0].rcpt_tos == ["staff@program.example.org"]

    assert first["Subject"].startswith(f"[{ref}] ")
    assert first["To"] == "staff@program.example.org"
    assert first["Auto-Submitted"] == "auto-generated"
    assert first["X-Auto-Response-Suppress"] == "All"
    assert re.fullmatch(r"<[^<>@\s]+@[^<>\s]+>", first["Message-ID"])
    assert first["Date"]
    assert first.get_content_type() == "multipart/mixed"
    text, markup = parts(first)
    assert "Riverton" in text and "Riverton" in markup
    assert f"intake requests show {ref}" in text
    assert markup.lstrip().startswith("<!DOCTYPE html>")
    attachments = list(first.iter_attachments())
    assert [a.get_filename() for a in attachments] == [f"{ref}-original.eml"]
    assert b"<first@rivertonpd.example.gov>" in attachments[0].get_content()

    assert update["Subject"] == f"Re: {first['Subject']}"
    assert update["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in update["References"]
    assert update["Auto-Submitted"] == "auto-generated"
    update_text, update_html = parts(update)
    assert "Tuesday works for the call" in update_text
    assert "Tuesday works for the call" in update_html


def test_hostile_content_is_escaped_never_evaluated_and_cannot_inject_headers(
    tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    settings = load_config(write_config(tmp_path, database_url, "acknowledge = true"))
    raw = make_email(HOSTILE_BODY, subject="Help {{ 7 * 7 }} <b>now</b>", from_addr="sam@x.example")
    # Written as bytes: Python's own email classes refuse to build such a header.
    deliver(raw.replace(b"From: sam@x.example", b"From: " + CRLF_FROM.encode(), 1))
    pipeline = pipeline_for(settings, store)
    poll(settings, pipeline)

    with session_scope(store) as session:
        sent = {row.purpose: parse(row.raw) for row in session.scalars(select(OutboxEmail))}
        raws = [row.raw for row in session.scalars(select(OutboxEmail))]
    assert set(sent) == {"notification", "ack"}
    notification = sent["notification"]
    text, markup = parts(notification)

    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "<img" not in markup and "<b>now</b>" not in markup
    assert "<script>alert('x')</script>" in text  # the text part shows it as it was written
    for part in (text, html.unescape(markup), notification["Subject"]):
        assert "49" not in part
    assert "{{ 7 * 7 }}" in text and "{{ 7 * 7 }}" in html.unescape(markup)
    assert "{% for x in range(3) %}" in text and "looploop" not in text

    for raw in raws:
        message = parse(raw)
        assert "bcc" not in {name.lower() for name in message}
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert not re.search(rb"(?im)^bcc:", head)
        assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
    assert sent["ack"]["To"] == "sam@hostile.example.gov"


def _rich_request(store: Store) -> tuple[Request, InboundMessage]:
    raw = make_email(
        "We run a small department and want a co-responder team.\n\nQuoted line two.",
        subject="Co-responder visit",
        from_addr="Alex Rivera <arivera@springfieldpd.example.gov>",
    )
    with session_scope(store) as session:
        message = InboundMessage(
            dedupe_key="t|1",
            source="t",
            sha256="0" * 64,
            raw=raw,
            kind="request",
            subject="Co-responder visit",
            from_addr="arivera@springfieldpd.example.gov",
        )
        session.add(message)
        session.flush()
        request = Request(
            ref="LS-2026-0042",
            kind="request",
            subject="Co-responder visit",
            summary="Springfield wants to start a co-responder team and visit a site running one.",
            requester_name="Alex Rivera",
            requester_title="Captain",
            requester_agency="Springfield Police Department",
            requester_agency_type="police",
            requester_city="Springfield",
            requester_state="IL",
            requester_email="arivera@springfieldpd.example.gov",
            requester_phone="+12175550143",
            primary_specialization="co_responder",
            specializations=["co_responder", "follow_up"],
            topics=["rural"],
            ta_types=["site_visit"],
            contacted_sites=["salt_lake_city"],
            first_message_id=message.id,
        )
        session.add(request)
        session.flush()
        message.request_id = request.id
        session.add_all(
            [
                SiteSuggestion(
                    request_id=request.id,
                    rank=1,
                    site_id="madison",
                    score=3.25,
                    reasons=["runs a co-responder team", "similar size"],
                ),
                SiteSuggestion(
                    request_id=request.id,
                    rank=2,
                    site_id="tucson",
                    score=2.5,
                    reasons=["follow-up visits after crisis calls"],
                ),
            ]
        )
        session.flush()
        session.refresh(request)
        return request, message


def test_text_and_html_parts_carry_the_same_facts(settings: Settings, store: Store) -> None:
    request, message = _rich_request(store)
    evidence = {
        "co_responder": ["co-responder team"],
        "follow_up": ["follow-up"],
        "rural": ["small department"],
        "site_visit": ["visit a site"],
    }
    names = {
        "madison": "Madison Police Department",
        "tucson": "Tucson Police Department",
        "salt_lake_city": "Salt Lake City Police Department",
    }
    with session_scope(store) as session:
        request = session.get(Request, request.id)  # type: ignore[assignment]
        message = session.get(InboundMessage, message.id)  # type: ignore[assignment]
        context = request_context(
            request, message, settings=settings.notify, site_names=names, evidence=evidence
        )
        rendered = Renderer(settings.notify.templates_dir).render("notification", context)
    facts = [
        "LS-2026-0042",
        "Alex Rivera",
        "Captain",
        "Springfield Police Department",
        "police",
        "Springfield, IL",
        "arivera@springfieldpd.example.gov",
        "+12175550143",
        request.summary,
        "Co-responder",
        "co-responder team",
        "Follow-up",
        "Rural",
        "small department",
        "Site visit",
        "visit a site",
        "Salt Lake City Police Department",
        "Madison Police Department",
        "3.25",
        "runs a co-responder team",
        "similar size",
        "Tucson Police Department",
        "follow-up visits after crisis calls",
        "intake requests show LS-2026-0042",
        "Quoted line two.",
        "LS-2026-0042-original.eml",
    ]
    text, seen_in_html = flat(rendered.text), html_as_text(rendered.html)
    assert [f for f in facts if f not in text] == []
    assert [f for f in facts if f not in seen_in_html] == []
    assert (
        rendered.subject
        == "[LS-2026-0042] Co-responder request: Springfield Police Department (IL)"
    )


def test_admins_override_one_template_from_their_folder(
    tmp_path: Path, database_url: str, store: Store, deliver: Callable[[bytes], str]
) -> None:
    override = tmp_path / "my-templates"
    override.mkdir()
    (override / "notification.subject.txt").write_text("NEW {{ request.ref }} from {{ who }}\n")
    settings = load_config(
        write_config(tmp_path, database_url, f'templates_override_dir = "{override}"')
    )
    deliver(make_email(CO_RESPONDER_REQUEST))
    poll(settings, pipeline_for(settings, store))
    with session_scope(store) as session:
        row = session.scalars(select(OutboxEmail)).one()
        ref = session.scalars(select(Request.ref)).one()
    message = parse(row.raw)
    assert message["Subject"].startswith(f"NEW {ref} from ")
    text, _ = parts(message)
    assert "Suggested learning sites" in text  # the parts not overridden are the shipped ones


def test_a_missing_override_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        Renderer(REPO / "templates", tmp_path / "nope")


def test_templates_cannot_reach_python_internals(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "t.subject.txt").write_text("{{ value.__class__.__mro__ }}")
    (tmp_path / "t.txt").write_text("x")
    (tmp_path / "t.html").write_text("x")
    with pytest.raises(TemplateError):
        Renderer(tmp_path).render("t", {"value": "s"})


def test_settings_without_quote_or_attachment_leave_both_out(
    settings: Settings, store: Store
) -> None:
    request, message = _rich_request(store)
    quiet = replace(settings.notify, quote_original_chars=0, attach_original=False)
    with session_scope(store) as session:
        request = session.get(Request, request.id)  # type: ignore[assignment]
        message = session.get(InboundMessage, message.id)  # type: ignore[assignment]
        context = request_context(request, message, settings=quiet, site_names={})
        rendered = Renderer(quiet.templates_dir).render("notification", context)
    assert "Quoted line two" not in rendered.text and "original.eml" not in rendered.text
    assert "Quoted line two" not in rendered.html and "original.eml" not in rendered.html


@pytest.mark.parametrize(
    "subject",
    [
        "Hello\r\nBcc: victim@elsewhere.example",
        "Hi =?utf-8?q?Evil=0D=0ABcc=3A_victim=40elsewhere=2Eexample?= there",
        "=?utf-8?b?RXZpbA0KQmNjOiB2aWN0aW1AZWxzZXdoZXJlLmV4YW1wbGU=?=",
    ],
)
def test_no_header_can_be_injected_through_a_subject(subject: str) -> None:
    from notify.compose import build_message

    raw = build_message(
        RenderedEmail(subject=subject, text="t", html="<p>t</p>"),
        from_addr="Intake <intake@program.example.org>",
        to=["staff@program.example.org"],
        message_id="<x@intake.test>",
        in_reply_to="<=?utf-8?q?a=0D=0ABcc:_v@e.example?=@evil.example>",
    )
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"(?im)^bcc:", head)
    parsed = parse(raw)
    assert "Bcc" not in parsed and "In-Reply-To" not in parsed
    assert "\n" not in parsed["Subject"] and "\r" not in parsed["Subject"]


@pytest.mark.parametrize("length", [40, 72, 75, 77, 90, 200])
def test_a_subject_of_any_length_reads_back_without_a_leading_space(length: int) -> None:
    from notify.compose import build_message

    subject = ("Co-responder request: Springfield " * 10)[:length].strip()
    raw = build_message(
        RenderedEmail(subject=subject, text="t", html="<p>t</p>"),
        from_addr="Intake <intake@program.example.org>",
        to=["staff@program.example.org"],
        message_id="<x@intake.test>",
    )
    assert parse(raw)["Subject"] == subject
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
