"""Every command and every option of the CLI is documented in the README, each option in
its own command's section (an option described under another command does not count)."""

import re
from pathlib import Path

import click
import pytest

from jazzgen.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _sections(text: str) -> dict[str, str]:
    """Command name -> its README section: from a "### `jazzgen NAME`" heading to the next
    heading of level 2 or 3. A heading naming two commands ("### `jazzgen render` and
    `jazzgen play`") is the section of both."""
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.M)
    out = {}
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        if heading.startswith("### "):
            for name in re.findall(r"`jazzgen ([\w-]+)`", heading):
                out[name] = body
    return out


SECTIONS = _sections(README)


def _mentions(section: str, option: str) -> bool:
    """``option`` appears as a whole flag (``--key`` is not found in ``--keys``)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", section) is not None


def _options():
    for name, cmd in main.commands.items():
        for p in cmd.params:
            if isinstance(p, click.Option):
                for opt in p.opts + p.secondary_opts:
                    if opt.startswith("--") and opt != "--help":
                        yield name, opt


# Options known to be missing from their own command's section, as strict xfails: an entry
# must go as soon as the README documents the option.
UNDOCUMENTED: dict[tuple[str, str], str] = {}
"""(command, option) pairs known to be missing from their section: none."""


def _cases():
    for command, option in sorted(set(_options())):
        marks = []
        if (command, option) in UNDOCUMENTED:
            marks = [pytest.mark.xfail(strict=True, reason=UNDOCUMENTED[(command, option)])]
        yield pytest.param(command, option, marks=marks, id=f"{command} {option}")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_command_has_its_own_readme_section(command):
    assert command in SECTIONS, f"README.md has no ### `jazzgen {command}` section"


@pytest.mark.parametrize("command,option", list(_cases()))
def test_option_is_in_its_command_section(command, option):
    assert _mentions(SECTIONS.get(command, ""), option), \
        f"{command} {option} is not documented in the README section of jazzgen {command}"


def test_sections_are_per_command():
    assert SECTIONS["render"] is SECTIONS["play"]  # the one shared section
    assert _mentions(SECTIONS["train"], "--epochs")
    assert not _mentions(SECTIONS["generate"], "--epochs")  # documented for train only
    assert not _mentions("`--keys N`", "--key") and _mentions("`--key`", "--key")
    sample = "### `jazzgen a`\n--x\n### `jazzgen b` and `jazzgen c`\n--y\n## Next\n--z\n"
    assert _sections(sample) == {"a": "\n--x\n", "b": "\n--y\n", "c": "\n--y\n"}
