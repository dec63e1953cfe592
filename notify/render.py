"""Render emails from Jinja2 templates: text and HTML parts, HTML autoescaped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from notify.errors import TemplateError

# Every email is rendered from these three files per name, e.g. notification.subject.txt.
PARTS = ("subject.txt", "txt", "html")


@dataclass(frozen=True)
class RenderedEmail:
    """A subject and two bodies that carry the same facts."""

    subject: str
    text: str
    html: str


def one_line(value: object, limit: int = 200) -> str:
    """Header-safe text: no CR/LF (header injection), collapsed spaces, bounded length."""
    text = " ".join(str(value).replace("\r", " ").replace("\n", " ").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(value: object, prefix: str = "> ") -> str:
    """Text quoted the way mail clients quote a message, one prefix per line."""
    return "\n".join(prefix + line if line else prefix.rstrip() for line in str(value).splitlines())


def nl2br(value: object) -> Markup:
    """Escaped text with its line breaks kept, for HTML (works where CSS pre-wrap does not)."""
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


class Renderer:
    """One Jinja2 environment; admin overrides are searched before the shipped templates.

    The environment is sandboxed: templates come from files admins edit, and values come from
    email, so neither may reach Python internals. Values are data, never template source.
    """

    def __init__(self, templates_dir: Path, override_dir: Path | None = None) -> None:
        if override_dir is not None and not Path(override_dir).is_dir():
            raise TemplateError(f"templates_override_dir {override_dir} is not a folder")
        search = [str(override_dir)] if override_dir else []
        search.append(str(templates_dir))
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(search),
            # HTML templates escape every value; text parts are not HTML and stay literal.
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["one_line"] = one_line
        self.env.filters["quote"] = quote
        self.env.filters["nl2br"] = nl2br

    def render(self, name: str, context: dict[str, Any]) -> RenderedEmail:
        """Render `name.subject.txt`, `name.txt` and `name.html` with one context."""
        try:
            subject, text, html = (
                self.env.get_template(f"{name}.{part}").render(context) for part in PARTS
            )
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name}: {exc}") from exc
        return RenderedEmail(subject=one_line(subject, 250), text=text, html=html)
