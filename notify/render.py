"""Render emails from Jinja2 templates: text and HTML parts, HTML autoescaped."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from notify.errors import TemplateError


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


class Renderer:
    """One Jinja2 environment; admin overrides are searched before the shipped templates."""

    def __init__(self, templates_dir: Path, override_dir: Path | None = None) -> None:
        search = [str(override_dir)] if override_dir else []
        search.append(str(templates_dir))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(search),
            # HTML templates escape every value; text parts are not HTML and stay literal.
            autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["one_line"] = one_line

    def render(self, name: str, context: dict[str, Any]) -> RenderedEmail:
        """Render `name.subject.txt`, `name.txt` and `name.html` with one context."""
        try:
            subject = self.env.get_template(f"{name}.subject.txt").render(context)
            text = self.env.get_template(f"{name}.txt").render(context)
            html = self.env.get_template(f"{name}.html").render(context)
        except jinja2.TemplateError as exc:
            raise TemplateError(f"template {name}: {exc}") from exc
        return RenderedEmail(subject=one_line(subject, 250), text=text, html=html)
