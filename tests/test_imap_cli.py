"""`intake mailbox check` against the test Dovecot, configured the way an admin would."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli import cli
from tests.dovecot import Account, Dovecot, imap_config

pytestmark = pytest.mark.dovecot


def test_mailbox_check_reports_folders_and_counts(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path
) -> None:
    dovecot.append(imap_account, [b"Subject: one\r\n\r\nx\r\n", b"Subject: two\r\n\r\ny\r\n"])
    config = imap_config(tmp_path, dovecot, imap_account)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "mailbox", "check"],
        env={"TEST_IMAP_PASSWORD": imap_account.password},
    )
    assert result.exit_code == 0, result.output
    assert f"logged in as {imap_account.user}" in result.output
    assert "IDLE" in result.output
    inbox_row = next(line for line in result.output.splitlines() if "INBOX" in line and "│" in line)
    assert inbox_row.split("│")[2].strip() == "2"


def test_mailbox_check_wrong_password_is_one_clear_line(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path
) -> None:
    config = imap_config(tmp_path, dovecot, imap_account)
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "mailbox", "check"],
        env={"TEST_IMAP_PASSWORD": "wrong-pass-77"},
    )
    assert result.exit_code == 5
    assert "refused" in result.output and "wrong-pass-77" not in result.output
    assert "Traceback" not in result.output


def test_mailbox_check_config_mistakes_exit_with_the_config_status(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path
) -> None:
    config = imap_config(tmp_path, dovecot, imap_account, extra='after = "shred"')
    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "mailbox", "check"],
        env={"TEST_IMAP_PASSWORD": imap_account.password},
    )
    assert result.exit_code == 3
    assert "after: must be one of" in result.output
