"""XOAUTH2 login against Dovecot's oauth2 passdb, token sources, settings and backoff."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from ingest.backoff import Backoff
from ingest.imap import (
    ImapAuthError,
    ImapConfigError,
    ImapSource,
    XOAuth2,
    check,
    password_from_env,
    settings_from_mapping,
    source_from_config,
    token_provider_for,
)
from ingest.oauth import CommandToken, FileToken, TokenError, parse_token, xoauth2_string
from tests.dovecot import Account, Dovecot
from tests.mail import make_email

# A token command that hands out the lines of a file one per run, like a refresher would
# after each expiry; it is run as an argv list, never through a shell.
POP_TOKEN = (
    "import sys, pathlib; p = pathlib.Path(sys.argv[1]); lines = p.read_text().splitlines(); "
    "p.write_text(''.join(l + chr(10) for l in lines[1:])); print(lines[0] if lines else '')"
)


def pop_command(path: Path) -> tuple[str, ...]:
    return (sys.executable, "-c", POP_TOKEN, str(path))


# -- the SASL string ----------------------------------------------------------------------


def test_xoauth2_string_is_the_documented_format() -> None:
    assert xoauth2_string("intake@example.org", "ya29.abc") == (
        "user=intake@example.org\x01auth=Bearer ya29.abc\x01\x01"
    )


def test_the_exchange_answers_an_error_challenge_with_an_empty_reply() -> None:
    exchange = XOAuth2("me@example.org", "tok")
    assert exchange(b"") == b"user=me@example.org\x01auth=Bearer tok\x01\x01"
    assert exchange(b'{"status":"401"}') == b""
    assert exchange.error == b'{"status":"401"}'
    assert "tok" not in repr(exchange)


# -- against Dovecot's oauth2 passdb -----------------------------------------------------


@pytest.mark.dovecot
def test_xoauth2_login_with_a_token_file(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path
) -> None:
    token = dovecot.tokens.issue(imap_account.user)
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    dovecot.append(imap_account, [make_email("hi", subject="oauth", message_id="<o@t.org>")])
    settings = dovecot.settings(imap_account, auth="xoauth2", token_file=str(token_file))
    source = ImapSource(settings, name="t", token_provider=token_provider_for(settings))
    try:
        fetched = list(source.fetch({}))
    finally:
        source.close()
    assert len(fetched) == 1
    assert dovecot.tokens.seen[-1] == token  # Dovecot parsed exactly our SASL string


@pytest.mark.dovecot
def test_a_rejected_token_is_refreshed_once_and_the_login_retried(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path
) -> None:
    stale = dovecot.tokens.issue(imap_account.user)
    dovecot.tokens.revoke(stale)  # expired on the provider's side before our lifetime ran out
    fresh = dovecot.tokens.issue(imap_account.user)
    queue = tmp_path / "tokens"
    queue.write_text(f"{stale}\n{fresh}\n")
    provider = CommandToken(pop_command(queue), lifetime_seconds=3600)
    settings = dovecot.settings(imap_account, auth="xoauth2", token_command=pop_command(queue))
    report = check(settings, token_provider=provider)
    assert report.username == imap_account.user
    assert provider.refreshes == 2
    assert dovecot.tokens.seen[-2:] == [stale, fresh]


@pytest.mark.dovecot
def test_a_token_that_stays_invalid_is_a_clear_error_without_the_token(
    dovecot: Dovecot, imap_account: Account, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = "tok-never-issued-1234"
    token_file = tmp_path / "token"
    token_file.write_text(bad)
    settings = dovecot.settings(imap_account, auth="xoauth2", token_file=str(token_file))
    with caplog.at_level("DEBUG"), pytest.raises(ImapAuthError, match="XOAUTH2 login as") as err:
        check(settings, token_provider=token_provider_for(settings))
    assert bad not in str(err.value) and bad not in caplog.text


@pytest.mark.dovecot
def test_xoauth2_with_json_command_output(dovecot: Dovecot, imap_account: Account) -> None:
    token = dovecot.tokens.issue(imap_account.user)
    printed = json.dumps({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
    command = (sys.executable, "-c", f"print({printed!r})")
    settings = dovecot.settings(imap_account, auth="xoauth2", token_command=command)
    assert check(settings, token_provider=token_provider_for(settings)).watched[0].name == "INBOX"


# -- token sources ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_command_token_is_cached_for_its_lifetime_then_rerun(tmp_path: Path) -> None:
    queue = tmp_path / "tokens"
    queue.write_text("first\nsecond\nthird\n")
    clock = Clock()
    provider = CommandToken(pop_command(queue), lifetime_seconds=100, clock=clock)
    assert provider.token() == "first"
    clock.now += 99
    assert provider.token() == "first"
    clock.now += 2
    assert provider.token() == "second"
    provider.invalidate()
    assert provider.token() == "third"


def test_a_stated_expiry_shortens_the_lifetime(tmp_path: Path) -> None:
    clock = Clock()
    doc = json.dumps({"access_token": "abc", "expires_in": 120})
    provider = CommandToken(
        (sys.executable, "-c", f"print({doc!r})"), lifetime_seconds=3000, clock=clock
    )
    provider.token()
    clock.now += 61  # 120 s minus the 60 s safety margin has passed
    provider.token()
    assert provider.refreshes == 2


def test_file_token_is_reread_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("one\n")
    provider = FileToken(path, lifetime_seconds=3000)
    assert provider.token() == "one"
    path.write_text("two\n")
    import os

    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 5))
    assert provider.token() == "two"


def test_token_command_failures_are_explained(tmp_path: Path) -> None:
    failing = CommandToken(
        (sys.executable, "-c", "import sys; sys.stderr.write('refresh token revoked'); sys.exit(3)")
    )
    with pytest.raises(TokenError, match="exit status 3: refresh token revoked"):
        failing.token()
    with pytest.raises(TokenError, match="no such program"):
        CommandToken((str(tmp_path / "missing-helper"),)).token()
    with pytest.raises(TokenError, match="no such file"):
        FileToken(tmp_path / "absent").token()


@pytest.mark.parametrize(
    ("output", "problem"),
    [
        (b"", "gave no token"),
        (b"two words\n", "spaces or control"),
        (b"tok\x01en", "spaces or control"),
        (b'{"token": "x"}', "no access_token"),
        (b"{not json", "not valid"),
        (b"x" * 20000, "over"),
    ],
)
def test_bad_token_output_is_refused(output: bytes, problem: str) -> None:
    with pytest.raises(TokenError, match=problem):
        parse_token(output, "test")


def test_token_output_forms() -> None:
    assert parse_token(b"\n  abc.def  \nignored\n", "t") == ("abc.def", None)
    assert parse_token(b'{"access_token": "xyz", "expires_in": 60}', "t") == ("xyz", 60.0)


# -- configuration ------------------------------------------------------------------------


def test_settings_from_config_apply_types_paths_and_the_shared_size_cap(tmp_path: Path) -> None:
    settings = settings_from_mapping(
        {
            "host": "imap.example.org",
            "username": "intake@example.org",
            "password_env": "INTAKE_IMAP_PASSWORD",
            "ca_file": "certs/ca.pem",
            "folders": ["INBOX", "Requests"],
            "after": "move",
            "timeout_seconds": 5,
        },
        base_dir=tmp_path,
        max_bytes=1234,
    )
    assert settings.folders == ("INBOX", "Requests")
    assert settings.ca_file == str(tmp_path / "certs" / "ca.pem")
    assert settings.effective_port == 993 and settings.timeout_seconds == 5.0
    assert settings.max_bytes == 1234
    assert password_from_env(settings, {"INTAKE_IMAP_PASSWORD": "s3cret"}) == "s3cret"


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ({"username": "u"}, "host: required"),
        ({"host": "h", "username": "u", "hots": 1}, "hots: unknown key"),
        ({"host": "h", "username": "u", "port": "993"}, "port: must be an integer"),
        ({"host": "h", "username": "u", "folders": "INBOX"}, "folders: must be a list"),
        ({"host": "h", "username": "u", "security": "ssl"}, "security: must be one of"),
        ({"host": "h", "username": "u", "auth": "xoauth2"}, "exactly one of token_command"),
        ({"host": "h", "username": "u", "token_file": "t"}, "only used with auth = xoauth2"),
        ({"host": "h", "username": "u", "after": "move", "move_to": "INBOX"}, "move_to"),
        ({"host": "h", "username": "u", "idle": "yes"}, "idle: must be true or false"),
        ({"host": "h", "username": "u", "fetch_batch": 0}, "fetch_batch: must be greater"),
    ],
)
def test_invalid_config_names_the_key(table: dict[str, object], problem: str) -> None:
    with pytest.raises(ImapConfigError, match=problem):
        settings_from_mapping(table)


def test_a_missing_password_variable_is_a_config_error(tmp_path: Path) -> None:
    table = {"host": "h", "username": "u", "password_env": "NOT_SET_ANYWHERE"}
    with pytest.raises(ImapConfigError, match="NOT_SET_ANYWHERE is not set"):
        source_from_config(table, name="t", max_bytes=10, base_dir=tmp_path, env={})


def test_the_source_never_shows_its_password() -> None:
    settings = settings_from_mapping({"host": "h", "username": "u"})
    source = ImapSource(settings, name="t", password="hunter2-secret")
    assert "hunter2" not in repr(source) and "hunter2" not in repr(settings)


# -- backoff ------------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_the_cap_and_resets() -> None:
    slept: list[float] = []
    backoff = Backoff(1.0, 8.0, rng=random.Random(7), sleeper=slept.append)
    for _ in range(6):
        backoff.sleep()
    steps = [1, 2, 4, 8, 8, 8]
    assert all(step / 2 <= delay <= step for delay, step in zip(slept, steps, strict=True))
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_backoff_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(0, 10)
    with pytest.raises(ValueError):
        Backoff(5, 1)
