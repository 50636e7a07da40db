"""`growthsim` (or `growthsim app [FOLDER...]`): the terminal app; `growthsim serve`:
the same app in a web page (textual-serve), for a classroom.

Imported only when one of these is asked for, so the engine and the other commands
never load Textual."""

from __future__ import annotations

import argparse
import shlex
import sys

from growthsim.arguments import EXIT_OK


def _options(args: argparse.Namespace) -> list[str]:
    options = [str(folder.resolve()) for folder in args.folders]
    if args.lessons:
        options += ["--lessons", str(args.lessons.resolve())]
    return options + ["--theme", args.theme]


def remembered_language() -> list[str]:
    """Speak the language the app remembers (tui/settings.py) unless --lang or GROWTHSIM_LANG
    chose one; the notices to show when the settings file cannot be read."""
    from growthsim import i18n
    from tui.settings import SettingsError, saved_language
    from tui.words import _
    if i18n.chosen_explicitly():
        return []
    try:
        language = saved_language()
    except SettingsError as error:
        return [_("Settings ignored: {error}").format(error=error)]
    if language is not None:
        i18n.activate(language)
    return []


def command_app(args: argparse.Namespace) -> int:
    from tui.app import create_app
    from tui.app import BUNDLED_SCENARIOS
    notices = remembered_language()
    app = create_app([*args.folders, BUNDLED_SCENARIOS], lessons=args.lessons, theme=args.theme, notices=notices)
    app.run()
    return app.return_code or EXIT_OK


def command_serve(args: argparse.Namespace) -> int:
    from textual_serve.server import Server
    command = shlex.join([sys.executable, "-m", "growthsim", "app", *_options(args)])
    print(f"growthsim in a browser: http://{args.host}:{args.port}  (Ctrl+C stops)", file=sys.stderr)
    Server(command, host=args.host, port=args.port, title="growthsim").serve()
    return EXIT_OK
