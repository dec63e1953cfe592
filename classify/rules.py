"""Admin-tunable rules: load rules.toml, validate each rule, report problems by file and line."""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classify.errors import RuleError
from classify.kind import program_pattern
from classify.types import (
    KINDS,
    SPECIALIZATIONS,
    TA_TYPES,
    TOPICS,
    Background,
    Priority,
    cue_key,
)

if TYPE_CHECKING:
    from classify.engine import Engine

MAX_RULES_BYTES = 2_000_000
MAX_PHRASES_PER_RULE = 500
MAX_WITHIN = 60
DEFAULT_THRESHOLD = 1.0
DEFAULT_NEGATION_WINDOW = 4
SCOPES = ("text", "subject", "body")
KIND_CUES = tuple(f"kind:{kind}" for kind in KINDS)
_RULE_KEYS = {
    "name",
    "description",
    "label",
    "weight",
    "phrases",
    "patterns",
    "near",
    "negations",
    "scope",
    "enabled",
    "exceptions",
}
_NEAR_KEYS = {"a", "b", "within", "across_sentences"}


def label_group(label: str) -> str:
    """specialization | topic | ta_type | kind, or '' for a label nobody knows."""
    if label in SPECIALIZATIONS:
        return "specialization"
    if label in TOPICS:
        return "topic"
    if label in TA_TYPES:
        return "ta_type"
    if label in KIND_CUES:
        return "kind"
    return ""


@dataclass(frozen=True)
class Near:
    """Two concepts within `within` tokens of each other, in either order, in one sentence
    unless `across_sentences` ("...two counselors. One of them could ride with us")."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    within: int
    across_sentences: bool = False


@dataclass(frozen=True)
class Rule:
    """One [[rule]]: what to look for, which label it supports and how much."""

    name: str
    label: str
    group: str
    weight: float = 1.0
    description: str = ""
    phrases: tuple[str, ...] = ()
    patterns: tuple[tuple[Mapping[str, Any], ...], ...] = ()
    near: tuple[Near, ...] = ()
    negations: tuple[str, ...] | None = None  # None: the file's [negation] cues
    exceptions: tuple[str, ...] = ()  # phrases that cancel a match they overlap
    scope: str = "text"
    line: int = 0


@dataclass(frozen=True)
class RuleSet:
    """The rules in force: their version hash and any problems found while loading."""

    version: str
    path: str = ""
    problems: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    thresholds: Mapping[str, float] = field(default_factory=dict)
    default_threshold: float = DEFAULT_THRESHOLD
    negation_cues: tuple[str, ...] = ()
    negation_window: int = DEFAULT_NEGATION_WINDOW
    background: Background = field(default_factory=Background)
    priority: Priority = field(default_factory=Priority)
    # [part_of]: a specialization that, on thin evidence, is part of another's work
    part_of: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # [scope] program_words: mail that uses none of them is not about the program
    program_words: tuple[str, ...] = ()
    stat_key: tuple[int, int] = (0, 0)  # (mtime_ns, size) when loaded, for a cheap change check
    engine: Engine | None = field(default=None, compare=False, repr=False)

    def threshold(self, label: str) -> float:
        return self.thresholds.get(label, self.default_threshold)

    @cached_property
    def negation_keys(self) -> frozenset[str]:
        """The [negation] cues, as cues are compared (see cue_key)."""
        return frozenset(cue_key(cue) for cue in self.negation_cues)

    @cached_property
    def program(self) -> re.Pattern[str] | None:
        """The [scope] program words as one pattern, or None to skip the check."""
        return program_pattern(self.program_words)


class _Problems:
    def __init__(self, filename: str, text: str) -> None:
        self.filename = filename
        self.lines = text.split("\n")
        self.items: list[str] = []
        self.rule_headers = [
            i + 1 for i, line in enumerate(self.lines) if re.match(r"^\s*\[\[\s*rule\s*\]\]", line)
        ]

    def rule_line(self, index: int, name: str) -> int:
        start = self.rule_headers[index] if index < len(self.rule_headers) else 1
        end = (
            self.rule_headers[index + 1] if index + 1 < len(self.rule_headers) else len(self.lines)
        )
        if name:
            wanted = re.compile(r"^\s*name\s*=\s*[\"']" + re.escape(name) + r"[\"']")
            for number in range(start, end + 1):
                if wanted.match(self.lines[number - 1]):
                    return number
        return start

    def key_line(self, key: str) -> int:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        header = re.compile(r"^\s*\[\s*" + re.escape(key) + r"\s*\]")
        for number, line in enumerate(self.lines, start=1):
            if pattern.match(line) or header.match(line):
                return number
        return 1

    def add(self, line: int, what: str) -> None:
        self.items.append(f"{self.filename}:{line}: {what}")


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _expand(phrases: list[str], concepts: Mapping[str, tuple[str, ...]]) -> list[str]:
    """'@clinician' stands for every phrase of the [concepts] entry 'clinician'."""
    out: list[str] = []
    for phrase in phrases:
        if phrase.startswith("@"):
            out.extend(concepts.get(phrase[1:], ()))
        else:
            out.append(phrase)
    return out


def _unknown_concepts(phrases: list[str], concepts: Mapping[str, tuple[str, ...]]) -> list[str]:
    return [p for p in phrases if p.startswith("@") and p[1:] not in concepts]


def _parse_rule(
    raw: object,
    index: int,
    concepts: Mapping[str, tuple[str, ...]],
    seen: set[str],
    problems: _Problems,
) -> Rule | None:
    if not isinstance(raw, dict):
        problems.add(problems.rule_line(index, ""), "rule: not a table")
        return None
    name = raw.get("name")
    line = problems.rule_line(index, name if isinstance(name, str) else "")
    if not isinstance(name, str) or not name.strip():
        problems.add(line, f"rule #{index + 1}: missing 'name'")
        return None
    where = f"rule '{name}'"

    def bad(what: str) -> None:
        problems.add(line, f"{where}: {what}")

    if name in seen:
        bad("duplicate name (the later rule is skipped)")
        return None
    unknown = sorted(set(raw) - _RULE_KEYS)
    if unknown:
        bad(f"unknown key(s) {', '.join(unknown)}")
        return None
    label = raw.get("label")
    if not isinstance(label, str) or not label_group(label):
        bad(f"unknown label {label!r}")
        return None
    weight = raw.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        bad(f"weight must be a number, not {weight!r}")
        return None
    scope = raw.get("scope", "text")
    if scope not in SCOPES:
        bad(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        return None
    phrases = _strings(raw.get("phrases", []))
    if phrases is None:
        bad("phrases must be a list of strings")
        return None
    if any(not p.strip() for p in phrases):
        bad("empty phrase")
        return None
    missing = _unknown_concepts(phrases, concepts)
    if missing:
        bad(f"unknown concept {missing[0]}")
        return None
    expanded = _expand(phrases, concepts)
    if len(expanded) > MAX_PHRASES_PER_RULE:
        bad(f"more than {MAX_PHRASES_PER_RULE} phrases")
        return None
    patterns_raw = raw.get("patterns", [])
    if not isinstance(patterns_raw, list) or not all(
        isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in patterns_raw
    ):
        bad("patterns must be a list of token patterns (lists of tables)")
        return None
    near_raw = raw.get("near", [])
    if isinstance(near_raw, dict):
        near_raw = [near_raw]
    nears: list[Near] = []
    if not isinstance(near_raw, list):
        bad("near must be a table or a list of tables")
        return None
    for item in near_raw:
        if not isinstance(item, dict) or set(item) - _NEAR_KEYS or not {"a", "b"} <= set(item):
            bad("near needs exactly a, b and optional within and across_sentences")
            return None
        a, b = _strings(item["a"]), _strings(item["b"])
        within = item.get("within", 6)
        if a is None or b is None or not a or not b:
            bad("near a and b must be phrases or lists of phrases")
            return None
        missing = _unknown_concepts(a + b, concepts)
        if missing:
            bad(f"unknown concept {missing[0]}")
            return None
        if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN:
            bad(f"near within must be a whole number from 1 to {MAX_WITHIN}")
            return None
        across = item.get("across_sentences", False)
        if not isinstance(across, bool):
            bad("near across_sentences must be true or false")
            return None
        nears.append(Near(tuple(_expand(a, concepts)), tuple(_expand(b, concepts)), within, across))
    if not expanded and not patterns_raw and not nears:
        bad("no phrases, patterns or near: it can never match")
        return None
    negations_raw = raw.get("negations")
    negations: tuple[str, ...] | None = None
    if negations_raw is not None:
        cues = _strings(negations_raw)
        if cues is None:
            bad("negations must be a list of strings")
            return None
        negations = tuple(_expand(cues, concepts))
    exceptions = _strings(raw.get("exceptions", []))
    if exceptions is None:
        bad("exceptions must be a list of strings")
        return None
    if raw.get("enabled", True) is False:
        return None
    seen.add(name)
    return Rule(
        name=name,
        label=label,
        group=label_group(label),
        weight=float(weight),
        description=str(raw.get("description", "")),
        phrases=tuple(expanded),
        patterns=tuple(tuple(token for token in p) for p in patterns_raw),
        near=tuple(nears),
        negations=negations,
        exceptions=tuple(_expand(exceptions, concepts)),
        scope=scope,
        line=line,
    )


def _file_stat(path: Path) -> tuple[int, int]:
    try:
        stat = os.stat(path)
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size)


def load_rules(path: Path | str) -> RuleSet:
    """Load the rules file; a bad rule becomes a problem line and is skipped, never an exception."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read rules: {exc.strerror}") from exc
    if len(data) > MAX_RULES_BYTES:
        raise RuleError(f"{path}: rules file is over {MAX_RULES_BYTES} bytes")
    return parse_rules(data, path=path, stat_key=_file_stat(path))


def parse_rules(
    data: bytes, *, path: Path | str = "rules.toml", stat_key: tuple[int, int] = (0, 0)
) -> RuleSet:
    """Rules from the bytes of a rules file (load_rules without the read)."""
    from classify.engine import Engine

    try:
        text = data.decode("utf-8")
        doc = tomllib.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from exc
    problems = _Problems(Path(path).name, text)

    concepts: dict[str, tuple[str, ...]] = {}
    raw_concepts = doc.get("concepts", {})
    if not isinstance(raw_concepts, dict):
        problems.add(problems.key_line("concepts"), "[concepts] must be a table")
        raw_concepts = {}
    for key, value in raw_concepts.items():
        phrases = _strings(value)
        if phrases is None or not phrases:
            problems.add(problems.key_line(key), f"concept '{key}': must be a list of phrases")
            continue
        concepts[key] = tuple(p for p in phrases if not p.startswith("@")) + tuple(
            q for p in phrases if p.startswith("@") for q in concepts.get(p[1:], ())
        )

    thresholds: dict[str, float] = {}
    default_threshold = DEFAULT_THRESHOLD
    raw_thresholds = doc.get("thresholds", {})
    if not isinstance(raw_thresholds, dict):
        problems.add(problems.key_line("thresholds"), "[thresholds] must be a table")
        raw_thresholds = {}
    for key, value in raw_thresholds.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(problems.key_line(key), f"threshold '{key}': must be a number")
        elif key == "default":
            default_threshold = float(value)
        elif not label_group(key):
            problems.add(problems.key_line(key), f"threshold '{key}': unknown label")
        else:
            thresholds[key] = float(value)

    negation = doc.get("negation", {})
    background = Background()
    cues: tuple[str, ...] = ()
    window = DEFAULT_NEGATION_WINDOW
    if isinstance(negation, dict):
        found = _strings(negation.get("cues", []))
        if found is None:
            problems.add(problems.key_line("cues"), "negation cues must be a list of strings")
        else:
            cues = tuple(found)
        raw_window = negation.get("window", DEFAULT_NEGATION_WINDOW)
        if (
            isinstance(raw_window, int)
            and not isinstance(raw_window, bool)
            and 0 <= raw_window <= 20
        ):
            window = raw_window
        else:
            problems.add(problems.key_line("window"), "negation window must be 0-20 tokens")
        background = _background(negation, problems)

    priority = _priority(doc.get("priority", {}), problems)
    part_of = _part_of(doc.get("part_of", {}), problems)
    program_words = _program_words(doc.get("scope", {}), problems)

    raw_rules = doc.get("rule", [])
    if not isinstance(raw_rules, list):
        problems.add(problems.key_line("rule"), "'rule' must be an array of [[rule]] tables")
        raw_rules = []
    seen: set[str] = set()
    parsed = [_parse_rule(raw, i, concepts, seen, problems) for i, raw in enumerate(raw_rules)]
    candidates = [rule for rule in parsed if rule is not None]

    engine, rejected = Engine.build(candidates, cues, window, background, priority)
    for rule, reason in rejected:
        problems.add(rule.line, f"rule '{rule.name}': {reason}")
    rejected_names = {rule.name for rule, _ in rejected}
    rules = tuple(rule for rule in candidates if rule.name not in rejected_names)
    return RuleSet(
        version=hashlib.sha256(data).hexdigest()[:16],
        path=str(path),
        problems=tuple(problems.items),
        rules=rules,
        thresholds=thresholds,
        default_threshold=default_threshold,
        negation_cues=cues,
        negation_window=window,
        background=background,
        priority=priority,
        part_of=part_of,
        program_words=program_words,
        stat_key=stat_key,
        engine=engine,
    )


def _background(negation: Mapping[str, Any], problems: _Problems) -> Background:
    """[negation] background cues and the labels they apply to, checked."""
    cues = _strings(negation.get("background", []))
    labels = _strings(negation.get("background_labels", []))
    back_references = _strings(negation.get("back_references", []))
    if back_references is None:
        problems.add(
            problems.key_line("back_references"), "back_references must be a list of strings"
        )
        back_references = []
    claims = _strings(negation.get("claims", []))
    if claims is None:
        problems.add(problems.key_line("claims"), "claims must be a list of strings")
        claims = []
    settled = _background_subset("settled", negation.get("settled", []), cues, problems)
    in_notices = _background_subset("in_notices", negation.get("in_notices", []), cues, problems)
    spares: dict[str, frozenset[str]] = {}
    raw_spares = negation.get("spares", {})
    if not isinstance(raw_spares, dict):
        problems.add(problems.key_line("spares"), "spares must be a table of label = [cues]")
        raw_spares = {}
    for label, spared in raw_spares.items():
        if not label_group(label) or _strings(spared) is None:
            problems.add(problems.key_line("spares"), f"spares: '{label}' must be a label = [cues]")
            continue
        spares[label] = frozenset(
            _background_subset("spares", spared, cues, problems, f"spares {label}")
        )
    if cues is None:
        problems.add(problems.key_line("background"), "background must be a list of strings")
        return Background()
    if labels is None:
        problems.add(
            problems.key_line("background_labels"), "background_labels must be a list of labels"
        )
        return Background()
    unknown = [label for label in labels if not label_group(label)]
    if unknown:
        problems.add(
            problems.key_line("background_labels"),
            f"background_labels: unknown label(s) {', '.join(map(repr, unknown))}",
        )
    return Background(
        tuple(cues),
        frozenset(label for label in labels if label_group(label)),
        frozenset(settled),
        tuple(back_references),
        tuple(claims),
        frozenset(in_notices),
        spares,
    )


def _background_subset(
    key: str, raw: object, cues: list[str] | None, problems: _Problems, name: str = ""
) -> list[str]:
    """A [negation] list that must name background cues (settled, in_notices, spares), checked
    and returned as cue keys."""
    listed = _strings(raw)
    if listed is None:
        problems.add(problems.key_line(key), f"{key} must be a list of strings")
        return []
    if not_cues := sorted(set(listed) - set(cues or [])):
        problems.add(
            problems.key_line(key),
            f"{name or key}: not among the background cues: {', '.join(map(repr, not_cues))}",
        )
    return [cue_key(cue) for cue in listed]


def _priority(raw: object, problems: _Problems) -> Priority:
    """[priority] main, later and ask cues, checked."""
    if not isinstance(raw, dict):
        problems.add(problems.key_line("priority"), "[priority] must be a table")
        return Priority()
    for key in sorted(set(raw) - {"main", "later", "ask"}):
        problems.add(problems.key_line(key), f"priority: unknown key '{key}' (main, later, ask)")
    lists = {}
    for key in ("main", "later", "ask"):
        found = _strings(raw.get(key, []))
        if found is None:
            problems.add(problems.key_line(key), f"priority {key} must be a list of strings")
            found = []
        lists[key] = tuple(found)
    return Priority(main=lists["main"], later=lists["later"], ask=lists["ask"])


def _part_of(raw: object, problems: _Problems) -> dict[str, tuple[str, ...]]:
    """[part_of] specialization = [the specializations whose work it can be part of], checked."""
    if not isinstance(raw, dict):
        problems.add(problems.key_line("part_of"), "[part_of] must be a table")
        return {}
    found: dict[str, tuple[str, ...]] = {}
    for part, wholes in raw.items():
        listed = _strings(wholes)
        if label_group(part) != "specialization":
            problems.add(problems.key_line(part), f"part_of: '{part}' is not a specialization")
        elif listed is None:
            problems.add(problems.key_line(part), f"part_of {part} must be a list of strings")
        elif bad := [w for w in listed if label_group(w) != "specialization" or w == part]:
            problems.add(
                problems.key_line(part),
                f"part_of {part}: not another specialization: {', '.join(map(repr, bad))}",
            )
        else:
            found[part] = tuple(listed)
    return found


def _program_words(raw: object, problems: _Problems) -> tuple[str, ...]:
    """[scope] program_words, checked."""
    if not isinstance(raw, dict):
        problems.add(problems.key_line("scope"), "[scope] must be a table")
        return ()
    for key in sorted(set(raw) - {"program_words"}):
        problems.add(problems.key_line(key), f"scope: unknown key '{key}' (program_words)")
    words = _strings(raw.get("program_words", []))
    if words is None:
        problems.add(problems.key_line("program_words"), "program_words must be a list of strings")
        return ()
    return tuple(word for word in words if word.strip())


def rules_changed(rules: RuleSet) -> bool:
    """True when the file behind `rules` now holds different bytes (a cheap stat first)."""
    if not rules.path:
        return False
    path = Path(rules.path)
    if _file_stat(path) == rules.stat_key:
        return False
    try:
        data = path.read_bytes()
    except OSError:
        return True
    return hashlib.sha256(data).hexdigest()[:16] != rules.version
