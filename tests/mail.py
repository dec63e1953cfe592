"""Build test emails as bytes, so every test writes its own mail."""

from __future__ import annotations

import email.policy
import email.utils
from email.message import EmailMessage

_counter = 0


def make_email(
    body: str,
    *,
    subject: str = "Request for technical assistance",
    from_addr: str = "Jordan Ellis <jellis@rivertonpd.example.gov>",
    to: str = "learningsites@justice-center.example.org",
    message_id: str | None = "auto",
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    """A complete RFC 5322 message; message_id="auto" makes a unique one, None omits it."""
    global _counter
    _counter += 1
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = from_addr
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = email.utils.formatdate(1767225600 + _counter * 60)
    if message_id == "auto":
        message_id = f"<test-{_counter}-{id(body)}@tests.example.org>"
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes()


CO_RESPONDER_REQUEST = """Hello,

Our department is starting a co-responder program next spring, pairing a licensed
clinician with patrol officers on mental health calls. We would like to set up a
phone call with a learning site that runs a co-responder team.

Thank you,

Jordan Ellis
Lieutenant
Riverton Police Department
12 Main Street
Riverton, WY 82501
(307) 555-0142
"""

CIT_REQUEST = """Good afternoon,

We are a small sheriff's office and want to start a Crisis Intervention Team (CIT)
program for our deputies. Could someone share their 40-hour curriculum by email?

Pat Morrow
Sheriff
Dunmore County Sheriff's Office
Dunmore, PA
"""


def forwarded_as_attachment() -> bytes:
    """A chief forwarding his sergeant's request as an attached message/rfc822."""
    inner = EmailMessage()
    inner["From"] = "Sgt. Lena Ortiz <lortiz@cedarvillepd.example.gov>"
    inner["To"] = "chief@cedarville.example.gov"
    inner["Subject"] = "=?utf-8?q?co-responder_id=C3=A9e?="
    inner.set_content("Chief,\n\nWe would like to start a co-responder team.\n\nSgt. Lena Ortiz\n")
    outer = EmailMessage()
    outer["From"] = "Chief Dana Wells <dwells@cedarville.example.gov>"
    outer["To"] = "learningsites@justice-center.example.org"
    outer["Subject"] = "Fwd: co-responder idea"
    outer.set_content("Please see the attached request from my sergeant.\n\nDana Wells\n")
    outer.add_attachment(inner)
    return bytes(outer)
