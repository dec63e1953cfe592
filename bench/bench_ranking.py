"""Ranking quality and speed on a labelled corpus: gold labels in, site suggestions out.

Builds an Analysis from each request's labels (needs, topics, TA, requester), so the
figure measures ranking alone, not classification. Quality is the share of requests whose
top suggestion runs the primary specialization according to the facts file's site list.

    .venv/bin/python bench/bench_ranking.py [CORPUS_DIR] [--facts learning_sites.toml] [-v]
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

from classify import Analysis, KindVerdict, RankingWeights, Requester, load_sites, rank_sites
from classify.geo import default_gazetteer

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def analysis_from_label(label: dict) -> Analysis:
    who = label.get("requester", {})
    fields = ("name", "title", "agency", "agency_type", "city", "state", "email", "phone")
    return Analysis(
        kind=KindVerdict(label["kind"], "gold label"),
        requester=Requester(**{f: str(who.get(f, "")) for f in fields}),
        specializations=tuple(label.get("specializations", ())),
        topics=tuple(label.get("topics", ())),
        ta_types=tuple(label.get("ta_types", ())),
        contacted_sites=tuple(label.get("contacted_sites", ())),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, nargs="?", default=SHARED / "corpus" / "dev")
    parser.add_argument("--facts", type=Path, default=SHARED / "domain" / "learning_sites.toml")
    parser.add_argument("--sites", type=Path, default=REPO / "sites.toml")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every ranking")
    args = parser.parse_args()
    if not (args.corpus / "labels.toml").exists() or not args.facts.exists():
        print(f"skipped: no labelled corpus at {args.corpus} or facts at {args.facts}")
        return 0

    facts = tomllib.loads(args.facts.read_text("utf-8"))
    runs = {s["id"]: set(s.get("specializations", [])) for s in facts.get("site", [])}
    labels = tomllib.loads((args.corpus / "labels.toml").read_text("utf-8"))["email"]
    requests = [e for e in labels if e["kind"] == "request" and e.get("specializations")]
    directory = load_sites(args.sites)
    weights = RankingWeights()

    started = time.perf_counter()
    places = default_gazetteer()
    load_seconds = time.perf_counter() - started

    hits1 = hits3 = 0
    tops: Counter[str] = Counter()
    load: Counter[str] = Counter()
    started = time.perf_counter()
    for label in requests:
        analysis = analysis_from_label(label)
        ranking = rank_sites(analysis, directory, weights, {}, places=places)
        ids = [s.site_id for s in ranking]
        primary = analysis.primary
        hit1 = bool(ids) and primary in runs.get(ids[0], set())
        hits1 += hit1
        hits3 += any(primary in runs.get(i, set()) for i in ids[:3])
        tops[ids[0] if ids else "-"] += 1
        for i in ids:
            load[i] += 1
        if args.verbose or not hit1:
            who = analysis.requester
            print(
                f"{'ok ' if hit1 else 'MISS'} {label['file']} {primary} {list(analysis.topics)} "
                f"{list(analysis.ta_types)} {who.agency_type} {who.city}, {who.state}"
            )
            for s in ranking:
                print(f"     {s.rank}. {s.site_id:18} {s.score:5.2f}  {'; '.join(s.reasons)}")
    rank_seconds = time.perf_counter() - started

    n = max(1, len(requests))
    print(f"requests: {len(requests)}")
    print(f"top suggestion runs the primary need: {hits1 / n:.1%}")
    print(f"a top-3 suggestion runs it:           {hits3 / n:.1%}")
    print(f"top suggestions by site: {dict(tops.most_common())}")
    print(
        f"gazetteer load: {load_seconds:.2f}s; ranking: {rank_seconds * 1000 / n:.2f} ms a request"
    )

    started = time.perf_counter()
    for _ in range(200):
        for label in requests:
            rank_sites(analysis_from_label(label), directory, weights, load, places=places)
    per = (time.perf_counter() - started) * 1000 / (200 * n)
    print(f"ranking with load (cached places): {per:.3f} ms a request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
