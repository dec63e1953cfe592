"""Benchmark: classification throughput (clean, rules, kind, requester, sites), messages/s."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import classify  # noqa: E402
from ingest import parse_email  # noqa: E402
from intake.demo import example_paths  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000, help="how many analyses to time")
    parser.add_argument(
        "--corpus", type=Path, default=None, help="a folder of .eml files (default: the demo mail)"
    )
    args = parser.parse_args()

    paths = sorted(args.corpus.glob("*.eml")) if args.corpus else list(example_paths())
    emails = [parse_email(p.read_bytes()) for p in paths]
    started = time.perf_counter()
    rules = classify.load_rules(REPO / "rules.toml")
    sites = classify.load_sites(REPO / "sites.toml")
    loaded = time.perf_counter() - started
    # Warm-up: the gazetteer and caches load once per process, not per message.
    for parsed in emails:
        classify.analyze(parsed, rules, sites)

    started = time.perf_counter()
    for i in range(args.messages):
        classify.analyze(emails[i % len(emails)], rules, sites)
    elapsed = time.perf_counter() - started
    print(f"rules: {len(rules.rules)} loaded and compiled in {loaded:.2f}s")
    print(f"{args.messages} analyses of {len(emails)} distinct emails in {elapsed:.2f}s")
    print(
        f"{args.messages / elapsed:,.0f} messages/s on one core "
        f"({elapsed / args.messages * 1000:.2f} ms each)"
    )


if __name__ == "__main__":
    main()
