"""Every command and every option of the CLI is documented in the README."""

from pathlib import Path

import click
import pytest

from jazzgen.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _options():
    for name, cmd in main.commands.items():
        for p in cmd.params:
            if isinstance(p, click.Option):
                for opt in p.opts + p.secondary_opts:
                    if opt.startswith("--") and opt != "--help":
                        yield name, opt


@pytest.mark.parametrize("command", sorted(main.commands))
def test_command_is_in_readme(command):
    assert f"jazzgen {command}" in README


@pytest.mark.parametrize("command,option", sorted(set(_options())))
def test_option_is_in_readme(command, option):
    assert option in README, f"{command} {option} is not documented in README.md"
