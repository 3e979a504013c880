"""Command line: ``python -m bot [run|check|preview]``.

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
    commands = parser.add_subparsers(dest="command", metavar="{run,check,preview}")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        from bot.cli_check import run_check

        directory = args.directory
        if directory is None:
            import os

            from dotenv import load_dotenv

            load_dotenv(Path.cwd() / ".env", override=False)  # LESSONS_DIR may be set there
            directory = Path(os.environ.get("LESSONS_DIR") or "lessons")
        return run_check(directory, sys.stdout)
    if args.command == "preview":
        from bot.cli_preview import run_preview

        return run_preview(args.lesson, sys.stdout, sys.stderr)

    from bot.process import run_from_environment

    return run_from_environment()


if __name__ == "__main__":
    sys.exit(main())
