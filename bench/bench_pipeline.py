"""Benchmark: whole-pipeline throughput (Maildir, SQLite, classify, outbox) and peak memory."""

from __future__ import annotations

import argparse
import mailbox
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from intake.config import load_config  # noqa: E402
from intake.demo import example_paths  # noqa: E402
from intake.wiring import build_source, open_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=500, help="how many emails to push through")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    config = folder / "config.toml"
    config.write_text(
        f'[source.maildir]\npath = "Maildir"\n[database]\nurl = "sqlite:///{folder}/bench.db"\n'
        f'[classify]\nrules = "{REPO}/rules.toml"\nsites = "{REPO}/sites.toml"\n'
        f'[notify]\noutbox_dir = "outbox"\ntemplates_dir = "{REPO}/templates"\n'
        f'[service]\nlog_level = "WARNING"\n'
    )
    settings = load_config(config)
    box = mailbox.Maildir(settings.source.maildir_path, create=True)
    examples = [p.read_bytes() for p in example_paths()]
    for i in range(args.messages):
        raw = examples[i % len(examples)]
        # A unique Message-ID per copy, so every one is new work rather than a duplicate.
        raw = raw.replace(b"Message-ID: <", f"Message-ID: <bench{i}.".encode(), 1)
        box.add(mailbox.MaildirMessage(raw))

    app = open_app(settings)
    source = build_source(settings)
    start = time.perf_counter()
    report = app.pipeline.poll(source)
    elapsed = time.perf_counter() - start
    send_start = time.perf_counter()
    sent = app.pipeline.send_outbox()
    send_elapsed = time.perf_counter() - send_start
    app.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages: {report.stored} stored, {report.processed} processed, {report.failed} failed")
    print(
        f"poll: {elapsed:.2f}s = {report.processed / elapsed:.0f} messages/s"
        " (store + classify + queue)"
    )
    print(f"outbox (file transport): {sent.sent} in {send_elapsed:.2f}s")
    print(f"peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
