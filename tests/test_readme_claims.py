"""What README.md says of the command line, held to the code: the options every command takes and
the sample answer it shows."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import typer.main

from anpo.cli import app

README = Path(__file__).parents[1] / "README.md"

# The commands that do not take both --json and --lang, with what they lack; the README names them
# and says why ("Every command takes `--json` and `--lang ja|en` but two").
EXCEPTIONS = {
    "serve": {"--json", "--lang"},  # serves every page in both languages (?lang=), with its JSON twin
    "calendar export": {"--json"},  # writes an iCalendar file
}


def _commands() -> dict[str, set[str]]:
    """Every command of the app (groups walked), as its name on the command line -> its options."""
    out: dict[str, set[str]] = {}

    def walk(command: Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands is not None:  # a group (Click's, or Typer's own copy of Click's)
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
        else:
            out[" ".join(path)] = {opt for param in command.params for opt in getattr(param, "opts", [])}

    walk(typer.main.get_command(app), [])
    return out


def test_every_command_takes_json_and_lang_but_the_named_exceptions() -> None:
    commands = _commands()
    assert {"ask", "vocab", "acsa order", "users create", "serve", "calendar export"} <= set(commands)
    for name, options in commands.items():
        lacking = {"--json", "--lang"} - options
        assert lacking == EXCEPTIONS.get(name, set()), f"anpo {name} lacks {sorted(lacking) or 'nothing'}"
    readme = " ".join(README.read_text(encoding="utf-8").split())
    assert "Every command takes `--json` and `--lang ja|en` but two" in readme
    assert "`anpo serve` takes neither" in readme and "`anpo calendar export` takes `--lang` but not `--json`" in readme


def test_the_readme_sample_answer_is_what_the_command_prints(cli: Any) -> None:
    """The README showed an answer the rules no longer gave (one reason, one citation): it is the
    command's output, and this runs the command it names and compares."""
    text = README.read_text(encoding="utf-8")
    section = text.split("### Answers", 1)[1]
    command = re.search(r"`anpo (ask [^`]+ --json)` prints", section)
    assert command, "the README names the command of its sample answer"
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block is not None
    documented = json.loads(block.group(1))
    args = shlex.split(command.group(1))
    args.remove("--json")
    printed = cli.json(*args)
    assert documented == printed
    assert documented["reasons"][0]["en"].startswith("On 1970-01-01 Okinawa (the Ryukyu and Daito Islands) was")
