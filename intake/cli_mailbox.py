"""The `intake mailbox` commands: test the connection to the configured mailbox."""

from __future__ import annotations

from rich.table import Table

from ingest.imap import (
    ImapConfigError,
    check,
    password_from_env,
    settings_from_mapping,
    token_provider_for,
)
from intake.cli import (
    EXIT_CONFIG,
    EXIT_MAIL,
    Context,
    _fail,
    cli,
    console,
    pass_ctx,
    translated_errors,
)


@cli.group()
def mailbox() -> None:
    """The mailbox the service reads ([source] in config.toml).

    \b
    Example:
      intake mailbox check
    """


@mailbox.command("check")
@pass_ctx
def mailbox_check(state: Context) -> None:
    """Connect once and report what the server offers, its folders and message counts.

    Nothing is fetched or changed. A bad password, an untrusted certificate or a missing
    folder is reported in one line (exit status 5; 3 for a configuration mistake).

    \b
    Example:
      intake mailbox check
    """
    with translated_errors():
        settings = state.settings
        source = settings.source
        if source.type != "imap":
            path = source.maildir_path
            if not (path / "cur").is_dir() and not (path / "new").is_dir():
                _fail(f"{path} is not a Maildir (no cur/ or new/ folder)", EXIT_MAIL)
            waiting = sum(1 for _ in (path / "new").iterdir()) if (path / "new").is_dir() else 0
            console.print(f"Maildir {path}: readable, {waiting} message(s) in new/")
            return
        try:
            imap = settings_from_mapping(
                source.imap, base_dir=settings.path.parent, max_bytes=source.max_message_bytes
            )
            password = password_from_env(imap)
        except ImapConfigError as exc:
            _fail(f"{settings.path.name}: {exc}", EXIT_CONFIG)
            return
        report = check(imap, password, token_provider_for(imap))
        console.print(
            f"[bold]{report.server}[/] ({report.security}), logged in as "
            f"{report.username} ({report.auth})",
            highlight=False,
        )
        console.print(f"capabilities: {' '.join(report.capabilities)}", highlight=False)
        table = Table(title="Folders read")
        for column in ("Folder", "Messages", "Unseen", "UIDNEXT", "UIDVALIDITY"):
            table.add_column(column)
        for folder in report.watched:
            table.add_row(
                folder.name,
                str(folder.messages),
                str(folder.unseen),
                str(folder.uidnext),
                str(folder.uidvalidity),
            )
        console.print(table)
        shown = ", ".join(report.folders[:40]) + (" ..." if len(report.folders) > 40 else "")
        console.print(f"{len(report.folders)} folder(s) on the server: {shown}", highlight=False)
        for note in report.notes:
            console.print(f"note: {note}", highlight=False)
