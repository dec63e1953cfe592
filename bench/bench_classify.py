"""Benchmark: classification throughput, analyze alone and parse + analyze + rank, and peak memory.

The mix is the demo mail plus a few emails made here (a long thread, a forward, an HTML-only
note, a hostile huge body), so one kind of message does not set the figure. Run it with
`.venv/bin/python bench/bench_classify.py [--messages N] [--corpus DIR]`.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import classify  # noqa: E402
from ingest import parse_email  # noqa: E402
from intake.demo import example_paths  # noqa: E402

_HEAD = (
    "From: {sender}\r\nTo: learningsites@justice-center.example.org\r\n"
    "Subject: {subject}\r\nMessage-ID: <bench-{n}@bench.example.org>\r\n"
    "Date: Tue, 3 Feb 2026 09:15:00 -0500\r\nMIME-Version: 1.0\r\n"
    "Content-Type: {ctype}; charset=utf-8\r\n\r\n"
)
_REQUEST = (
    "Hello,\n\nI'm a lieutenant with the Quarry Hill Police Department in Ohio. We want to "
    "pair a counselor with patrol officers on evening shifts and start a small follow-up team "
    "for the people we see again and again. Could we set up a call with a learning site that "
    "runs both, and maybe visit later this spring?\n\nThank you,\n\nLt. Ada Venn\n"
    "Patrol Operations\nQuarry Hill Police Department\nQuarry Hill, OH 44001\n(330) 555-0190\n"
)


def _made_emails() -> list[bytes]:
    """Shapes the demo mail lacks: a long thread, a forward, HTML only, a hostile huge body."""
    thread = _REQUEST + "".join(
        f"\nOn Mon, Jan {k + 1}, 2026 at 9:00 AM Ada Venn <avenn@qh-pd.example.gov> wrote:\n"
        + "".join(f"> {line}\n" for line in _REQUEST.split("\n"))
        for k in range(6)
    )
    forward = (
        "Can the program help with this one? Forwarding from our crisis unit.\n\n"
        "---------- Forwarded message ---------\nFrom: Bo Lind <blind@qh-pd.example.gov>\n"
        "Date: Mon, Feb 2, 2026\nSubject: dispatch triage\n"
        "To: Ada Venn <avenn@qh-pd.example.gov>\n\n"
        "Our call takers need screening questions for suicidal callers and a way to send "
        "calls to 988. Anyone doing this well?\n\nBo Lind\nCommunications Supervisor\n"
    )
    html = (
        "<html><body><p>Dear team,</p><p>We are a rural sheriff's office looking for CIT "
        "training for our deputies and help with a grant application. Email is easiest.</p>"
        "<p>Sincerely,<br>Sheriff Rae Dunmore<br>Kettle County Sheriff's Office<br>"
        "Kettle, MT 59001</p></body></html>"
    )
    huge = "Please help. " + ("crisis team data outreach words " * 40 + "\n") * 160
    ada = "Ada Venn <avenn@qh-pd.example.gov>"
    made = [
        (ada, "Re: co-responder and follow-up", thread, "text/plain"),
        (ada, "Fwd: dispatch triage", forward, "text/plain"),
        ("Rae Dunmore <rdunmore@kettle-so.example.gov>", "CIT for deputies", html, "text/html"),
        ("Anon <anon@bulk.example.com>", "Please read", huge, "text/plain"),
    ]
    return [
        (_HEAD.format(sender=s, subject=subj, n=i, ctype=ct) + body).encode()
        for i, (s, subj, body, ct) in enumerate(made)
    ]


def _rate(label: str, count: int, run: Callable[[int], object], rounds: int = 5) -> float:
    """Messages/s of the fastest of `rounds` runs (the others lose time to other processes)."""
    per_round = max(count // rounds, 1)
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(per_round):
            run(i)
        best = min(best, time.perf_counter() - started)
    rate = per_round / best
    print(
        f"{label}: {rate:,.0f} messages/s ({best / per_round * 1000:.2f} ms each, best of {rounds})"
    )
    return rate


_worker: dict[str, object] = {}


def _start_worker() -> None:
    _worker["rules"] = classify.load_rules(REPO / "rules.toml")
    _worker["sites"] = classify.load_sites(REPO / "sites.toml")


def _whole_batch(raws: list[bytes]) -> int:
    rules, sites = _worker["rules"], _worker["sites"]
    assert isinstance(rules, classify.RuleSet) and isinstance(sites, classify.SiteDirectory)
    weights = classify.RankingWeights()
    for raw in raws:
        parsed = parse_email(raw)
        classify.rank_sites(classify.analyze(parsed, rules, sites), sites, weights, {})
    return len(raws)


def _rate_in_processes(count: int, raws: list[bytes], workers: int) -> None:
    """parse + analyze + rank in `workers` processes, as a service with one worker per core."""
    batches = [[raws[(i + k) % len(raws)] for k in range(50)] for i in range(0, count, 50)]
    with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
        pool.map(_whole_batch, batches[: workers * 2])  # warm-up: rules, gazetteer
        started = time.perf_counter()
        done = sum(pool.map(_whole_batch, batches))
        elapsed = time.perf_counter() - started
    print(f"parse + analyze + rank, {workers} processes: {done / elapsed:,.0f} messages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000, help="how many messages to time")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="a folder of .eml files (default: the demo mail)"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes for the last figure"
    )
    args = parser.parse_args()
    # mail-parser warns about every part type it does not decode (a DSN's rfc822-headers).
    logging.getLogger("mailparser").setLevel(logging.ERROR)

    paths = sorted(args.corpus.glob("*.eml")) if args.corpus else list(example_paths())
    made = _made_emails()
    raws = [p.read_bytes() for p in paths] + made[:-1]
    started = time.perf_counter()
    rules = classify.load_rules(REPO / "rules.toml")
    sites = classify.load_sites(REPO / "sites.toml")
    weights = classify.RankingWeights()
    loaded = time.perf_counter() - started
    emails = [parse_email(raw) for raw in raws]
    emails.append(parse_email(made[-1]))
    # Warm-up: the gazetteer and caches load once per process, not per message.
    for parsed in emails:
        classify.rank_sites(classify.analyze(parsed, rules, sites), sites, weights, {})
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"rules: {len(rules.rules)} loaded and compiled in {loaded:.2f}s")
    print(f"mix: {len(raws)} distinct emails ({sum(map(len, raws)) // 1024} KiB), one core")
    emails, huge = emails[:-1], emails[-1]
    n = args.messages
    _rate("parse alone (mail-parser)", n, lambda i: parse_email(raws[i % len(raws)]))
    _rate("analyze alone", n, lambda i: classify.analyze(emails[i % len(emails)], rules, sites))

    def whole(i: int) -> object:
        parsed = parse_email(raws[i % len(raws)])
        return classify.rank_sites(classify.analyze(parsed, rules, sites), sites, weights, {})

    _rate("parse + analyze + rank", n, whole)
    # The hostile body is timed on its own: one in a dozen would overstate how often it comes.
    _rate(
        "analyze alone, 200 KiB hostile body",
        max(n // 20, 10),
        lambda i: classify.analyze(huge, rules, sites),
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB ({peak - rss_before:+.0f} MiB while timing)")
    if args.workers > 1:
        _rate_in_processes(n, raws, args.workers)


if __name__ == "__main__":
    main()
