"""Command line: ``python -m bot [run|check|preview|import|migrate-data]``.

Every failure an operator can cause ends in one line on stderr and a documented exit status
(1: content problems, 2: cannot start), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="studybot: weekly lessons, discussion threads and a concept glossary"
        " for Discord study groups.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{run,check,preview,import,migrate-data}")
    commands.add_parser("run", help="run the bot (the default); settings come from the environment or .env")
    check = commands.add_parser("check", help="validate the lessons and the glossary; exit 1 on any problem")
    check.add_argument(
        "directory",
        nargs="?",
        type=Path,
        default=None,
        help="content folder (default: LESSONS_DIR or lessons)",
    )
    preview = commands.add_parser("preview", help="print a lesson as it would be posted")
    preview.add_argument("lesson", type=Path, help="path to a lesson file, e.g. lessons/2026-11-....md")
    imports = commands.add_parser(
        "import",
        help="turn articles as published into lesson files; exit 1 naming what is missing",
        description="Turn each article (as published: quote, title, sections, Summary, Food for thought,"
        " AI concept to learn, footer) into a lesson file, and add its concept to glossary.yaml.",
    )
    imports.add_argument(
        "files", nargs="+", metavar="FILE", help="an article's text file; - reads standard input"
    )
    imports.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="content folder to write into (default: LESSONS_DIR or lessons)",
    )
    migrate = commands.add_parser(
        "migrate-data",
        help="copy every row of one database into another, empty one (e.g. SQLite to PostgreSQL)",
        description="Copy settings, posts, replies, schedules with their runs and claims, server lessons"
        " and concepts, and the bot's own state from one database into another, empty one, in one"
        " transaction (all or nothing). URLs are written as DATABASE_URL is. Stop the bot first.",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    migrate.add_argument(
        "--to", dest="target", required=True, metavar="URL", help="an empty database to copy into"
    )
    migrate.add_argument(
        "--batch", type=int, default=1000, metavar="ROWS", help="rows read and written at a time (1000)"
    )
    return parser


def _lessons_dir(given: Path | None) -> Path:
    """The content folder: the one given, else LESSONS_DIR (from the environment or .env), else lessons."""
    if given is not None:
        return given
    import os

    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env", override=False)  # LESSONS_DIR may be set there
    return Path(os.environ.get("LESSONS_DIR") or "lessons")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        from bot.cli_check import run_check

        return run_check(_lessons_dir(args.directory), sys.stdout)
    if args.command == "preview":
        from bot.cli_preview import run_preview

        return run_preview(args.lesson, sys.stdout, sys.stderr)
    if args.command == "import":
        import datetime as dt

        from bot.cli_import import run_import

        directory = _lessons_dir(args.out)
        today = dt.date.today()
        return run_import(args.files, directory, sys.stdout, sys.stderr, stdin=sys.stdin.buffer, today=today)

    if args.command == "migrate-data":
        from bot.cli_migrate_data import run_migrate_data

        if args.batch < 1:
            print("studybot: migrate-data: --batch must be at least 1.", file=sys.stderr)
            return 2
        return run_migrate_data(args.source, args.target, sys.stdout, sys.stderr, batch_size=args.batch)

    from bot.process import run_from_environment

    return run_from_environment()


if __name__ == "__main__":
    sys.exit(main())
