"""Defaults for any option of any command from a settings file and from the environment.

The file is ``./jazzgen.toml``, else ``[tool.jazzgen]`` in ``./pyproject.toml`` (or the one
``--config`` / ``$JAZZGEN_CONFIG`` names): a table per command, keys spelled as the long flag
(``duration-temperature`` or ``duration_temperature``); a top-level key applies to every
command with that option, and a command's own table wins over it. The file becomes Click's
``default_map`` beside ``auto_envvar_prefix``, so Click's order holds: flag, then
``JAZZGEN_<COMMAND>_<PARAM>``, then the file, then the built-in default. Values are checked
with each option's own Click type as the file is read, so a bad one is one
:class:`ConfigError` naming file, line and key, not Click's later "Invalid value for ...".
"""

from __future__ import annotations

import difflib
import json
import math
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from jazzgen.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENV_PREFIX = "JAZZGEN"  # Click's auto_envvar_prefix: JAZZGEN_GENERATE_TEMPO, ...
CONFIG_ENV = "JAZZGEN_CONFIG"  # names the settings file to read instead of the folder's
FILE_NAME, PYPROJECT, PYPROJECT_TABLE = "jazzgen.toml", "pyproject.toml", ("tool", "jazzgen")
MAX_CONFIG_BYTES = 1 << 20
"""A settings file is a few lines; anything over 1 MiB is a mistake and is not parsed."""
_META_KEY = "jazzgen.settings"


@dataclass(frozen=True)
class Setting:
    """One option's default from the file: ``raw`` as written (negated for a ``no-`` key),
    ``value`` converted by the option's Click type, ``source`` such as ``jazzgen.toml:3``."""

    command: str
    param: str
    raw: object
    value: object
    source: str


@dataclass(frozen=True)
class Settings:
    """What a settings file sets, by (command, parameter name); ``label`` names the file."""

    label: str | None = None
    entries: Mapping[tuple[str, str], Setting] = field(default_factory=dict)

    def default_map(self) -> dict[str, dict[str, object]]:
        """Click's ``default_map``: command name -> {parameter name: value}."""
        return {c: {p: s.value for (c2, p), s in self.entries.items() if c2 == c}
                for c in {c for c, _ in self.entries}}


@dataclass(frozen=True)
class _File:
    """A settings file's text and where its jazzgen table sits."""

    path: Path
    text: str
    table: tuple[str, ...]  # () for jazzgen.toml, ("tool", "jazzgen") for pyproject.toml

    def where(self, line: int) -> str:
        """The source label of a line: ``jazzgen.toml:3``, ``pyproject.toml [tool.jazzgen]:12``."""
        return f"{self.path}{' [' + '.'.join(self.table) + ']' if self.table else ''}:{line}"

    def fail(self, line: int, table: tuple[str, ...], what: str, problem: str):
        """A ConfigError naming the file, line, table and key."""
        full = self.table + table
        place = f"[{'.'.join(full)}] " if full else ""
        return ConfigError(f"{self.path}:{line}: {place}{what}: {problem}")


def find_config(explicit: Path | None = None, folder: Path = Path()) -> _File | None:
    """The settings file to read: ``explicit``, else ``folder/jazzgen.toml``, else
    ``folder/pyproject.toml`` if it has a ``[tool.jazzgen]`` table; None when there is none.
    Only one file is read: a jazzgen.toml, the more specific file, hides pyproject.toml."""
    if explicit is not None:
        table = PYPROJECT_TABLE if explicit.name == PYPROJECT else ()
        return _File(explicit, _read_text(explicit), table)
    own, project = folder / FILE_NAME, folder / PYPROJECT
    if own.exists():
        return _File(own, _read_text(own), ())
    if project.is_file():
        text = _read_text(project)
        if "jazzgen" in text:  # cheap: another tool's pyproject.toml is not even parsed
            return _File(project, text, PYPROJECT_TABLE)
    return None


def _read_text(path: Path) -> str:
    """The file's text, refusing one over MAX_CONFIG_BYTES (read no further) or not UTF-8."""
    with open(path, "rb") as f:
        data = f.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: over {MAX_CONFIG_BYTES // 2**20} MiB; a settings file is "
                          "a few lines of TOML")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text") from None


def load_settings(group: click.Group, explicit: Path | None = None,
                  folder: Path = Path()) -> Settings:
    """Read and check the settings file for ``group``'s commands (empty Settings if none)."""
    found = find_config(explicit, folder)
    return Settings() if found is None else parse_settings(group, found, explicit is not None)


def parse_settings(group: click.Group, file: _File, explicit: bool = True) -> Settings:
    """Check every table and key of ``file`` against ``group``'s commands and convert each
    value with its option's Click type."""
    data = _parse_toml(file)
    for part in file.table:
        data = data.get(part)
        if data is None and not explicit:
            return Settings()  # the pyproject.toml of a project that does not configure jazzgen
        if not isinstance(data, dict):
            raise ConfigError(f"{file.path}: no [{'.'.join(file.table)}] table") if data is None \
                else file.fail(_line_of(file.text, (), part), (), part, "expected a table")
    commands = {name: _keys(cmd) for name, cmd in group.commands.items()}
    entries: dict[tuple[str, str], Setting] = {}
    tables = [(None, {k: v for k, v in data.items() if not isinstance(v, dict)})]
    tables += [(k, v) for k, v in data.items() if isinstance(v, dict)]
    for name, items in tables:  # the top level first: a command's own table wins over it
        if name is not None and name not in commands:
            raise file.fail(_table_line(file.text, file.table + (name,)), (), f"[{name}]",
                            "no such command" + _suggest(name, sorted(commands), "[{}]"))
        table = () if name is None else (name,)
        seen: dict[tuple[str, str], str] = {}
        for key, raw in items.items():
            line = _line_of(file.text, file.table + table, key)
            users = [n for n, keys in commands.items() if _norm(key) in keys and name in (None, n)]
            if not users and name is None:
                raise file.fail(line, (), repr(key), "no command has this option" + _suggest(
                    key, sorted({k for c in group.commands.values() for k in _flag_keys(c)})) +
                    "; a command's options go in its own table, e.g. [generate]")
            if not users:
                raise file.fail(line, table, repr(key), f"no such option of jazzgen {name}" +
                                _suggest(key, sorted(_flag_keys(group.commands[name]))))
            for user in users:
                param = commands[user][_norm(key)][0].name
                if (user, param) in seen:
                    raise file.fail(line, table, key, f"set twice (also as {seen[user, param]!r})")
                seen[user, param] = key
                entries[user, param] = _setting(group, file, table, user, key, raw, line,
                                                commands[user])
    return Settings(str(file.path), entries)


def _parse_toml(file: _File) -> dict:
    """The TOML data, or one ConfigError with the file, line and column of a syntax error."""
    try:
        return tomllib.loads(file.text)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$", str(exc))
        where = f"{at[1]}:{at[2]}" if at and at[1] else f"{file.text.count(chr(10)) + 1}"
        msg = str(exc)[:at.start()] if at else str(exc)
        raise ConfigError(f"{file.path}:{where}: not valid TOML: {msg}") from None
    except RecursionError:
        raise ConfigError(f"{file.path}: arrays or tables nested too deeply") from None


def _options(cmd: click.Command) -> list[click.Option]:
    """The options a file may set: exposed, not eager (--help, --version)."""
    return [p for p in cmd.params
            if isinstance(p, click.Option) and p.expose_value and not p.is_eager]


def _norm(key: str) -> str:
    return key.replace("_", "-")


def _flag_keys(cmd: click.Command) -> dict[str, tuple[click.Option, bool]]:
    """Long flags without dashes -> (option, negated) (``no-wav`` negates ``--wav``)."""
    out: dict[str, tuple[click.Option, bool]] = {}
    for p in _options(cmd):
        flags = [(o, False) for o in p.opts] + [(o, True) for o in p.secondary_opts]
        for opt, negated in flags:
            if opt.startswith("--") and (p.is_bool_flag or not negated):
                out.setdefault(opt[2:], (p, negated))
    return out


def _keys(cmd: click.Command) -> dict[str, tuple[click.Option, bool]]:
    """Every accepted key: the long flags, then the parameter names (``changes-name``)."""
    out = _flag_keys(cmd)
    for p in _options(cmd):
        out.setdefault(_norm(p.name), (p, False))
    return out


def _suggest(word: str, choices: list[str], form: str = "{!r}") -> str:
    close = difflib.get_close_matches(_norm(str(word)), choices, n=1)
    return f" (did you mean {form.format(close[0])}?)" if close else ""


def _setting(group, file: _File, table: tuple[str, ...], name: str, key: str, raw: object,
             line: int, keys) -> Setting:
    """One checked setting; a value of the wrong type or out of range fails here."""
    param, negated = keys[_norm(key)]
    what = key if table else f"{key} (for jazzgen {name})"
    problem = _type_problem(param, raw, negated)
    if problem:
        raise file.fail(line, table, what, problem)
    ctx = click.Context(group.commands[name], info_name=name)
    try:
        value = (not raw) if negated else raw if isinstance(param.type, click.File) \
            else param.type_cast_value(ctx, raw)  # a File would be opened: leave it to Click
    except click.BadParameter as exc:
        raise file.fail(line, table, what, exc.message) from None
    try:
        if param.callback is not None:
            param.callback(ctx, param, value)  # e.g. --meter's "3/4" check; result unused
    except click.BadParameter as exc:
        raise file.fail(line, table, what, exc.message) from None
    except Exception:  # noqa: BLE001
        pass  # a callback that needs the other options' values: Click runs it at invocation
    return Setting(name, param.name, (not raw) if negated else raw, value, file.where(line))


_EXPECTED = (
    ((click.types.BoolParamType,), (bool,), "true or false"),
    ((click.types.IntParamType,), (int,), "an integer"),
    ((click.types.FloatParamType,), (int, float), "a number"),
    ((click.types.StringParamType, click.Choice, click.Path, click.File), (str,), "a string"),
)
"""Click types -> the TOML value types they take, and how to say so (any other Click type:
its conversion alone decides)."""


def _type_problem(param: click.Option, raw: object, negated: bool) -> str | None:
    """Why ``raw`` cannot be this option's value (strict TOML types), or None."""
    if negated:
        return None if isinstance(raw, bool) else f"expected true or false, got {_kind(raw)}"
    values = [raw]
    if param.multiple or param.nargs != 1:
        if not isinstance(raw, list):
            return f"expected an array, got {_kind(raw)}"
        values = [v for item in raw for v in (item if isinstance(item, list) else [item])]
    types, say = next(((t, say) for c, t, say in _EXPECTED if isinstance(param.type, c)),
                      ((object,), ""))
    for v in values:
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types + (object,)):
            return f"expected {say}, got {_kind(v)}"
        if isinstance(v, float) and not math.isfinite(v):
            return f"expected a finite number, got {v}"
    return None


def _kind(value: object) -> str:
    """A TOML value described for a message, on one line."""
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    shown = _toml(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{kinds.get(type(value), 'a date/time')} ({shown})"


def _toml(value: object) -> str:
    """A value written as in TOML, on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, Path)):
        return json.dumps(str(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value).replace("\n", " ")


_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]#]+?)\s*\]\]?\s*(?:#.*)?$")


def _parts(name: str) -> tuple[str, ...]:
    """A table header's dotted name as parts (a quoted part holding a dot is not split right)."""
    return tuple(p.strip().strip("\"'") for p in name.split("."))


def _line_of(text: str, table: tuple[str, ...], key: str) -> int:
    """The line that sets ``key`` in ``table`` (1-based). tomllib reports no positions, so this
    finds ``key =`` as text below the table's header; good enough for hand-written files. A
    key set through a dotted name or an inline table elsewhere is found by a whole-file search,
    else the table's header line (or line 1) stands in."""
    k = re.escape(key)
    here = re.compile(rf"^\s*(?:[\w.\"'-]+\.)?[\"']?{k}[\"']?\s*[=.]")
    current: tuple[str, ...] = ()
    header = None
    lines = text.splitlines()
    for number, line in enumerate(lines, 1):
        if m := _HEADER.match(line):
            current = _parts(m[1])
            header = number if current == table and header is None else header
        elif current == table and here.match(line):
            return number
    anywhere = re.compile(rf"(?<![\w-])[\"']?{k}[\"']?\s*=")
    return next((n for n, line in enumerate(lines, 1) if anywhere.search(line)), header or 1)


def _table_line(text: str, table: tuple[str, ...]) -> int:
    """The line of a table's ``[header]``, else of the key that makes it (``name = {...}``)."""
    for number, line in enumerate(text.splitlines(), 1):
        if (m := _HEADER.match(line)) and _parts(m[1])[:len(table)] == table:
            return number
    return _line_of(text, table[:-1], table[-1])


def use_settings(ctx: click.Context, settings: Settings) -> None:
    """Make ``settings`` the group context's default_map (its commands inherit their part)."""
    ctx.default_map = settings.default_map()
    ctx.meta[_META_KEY] = settings


@dataclass(frozen=True)
class Effective:
    """An option's value when nothing is given on the command line, and where it comes from:
    ``jazzgen.toml:3``, ``env JAZZGEN_GENERATE_TEMPO`` or ``default``."""

    command: str
    option: str
    value: object
    source: str
    env: str


@dataclass(frozen=True)
class Listing:
    """``jazzgen config``: every option's effective value, and the file read (or None)."""

    file: str | None
    rows: tuple[Effective, ...]

    def table(self) -> list[str]:
        """Aligned lines: command, option, value, source."""
        cells = [("COMMAND", "OPTION", "VALUE", "SOURCE")] + [
            (r.command, r.option, "(none)" if r.value is None else str(r.value).replace(
                "\n", " ") if isinstance(r.value, (str, Path)) else _toml(r.value), r.source)
            for r in self.rows]
        widths = [max(len(c[i]) for c in cells) for i in range(3)]
        return ["  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " +
                row[3] for row in cells]

    def json(self) -> str:
        """The listing as JSON: {"file": ..., "options": [{"command", "option", ...}]}."""
        rows = [{"command": r.command, "option": r.option, "value": r.value,
                 "source": r.source, "env": r.env} for r in self.rows]
        return json.dumps({"file": self.file, "options": rows}, indent=2, default=str)


def effective_settings(ctx: click.Context, command: str | None = None) -> Listing:
    """Every option of every command of the root group of ``ctx`` (or of ``command``): its
    value from the environment, else the settings file, else the built-in default."""
    root = ctx.find_root()
    settings: Settings = root.meta.get(_META_KEY, Settings())
    commands = root.command.commands
    if command is not None and command not in commands:
        raise ConfigError(f"no command {command!r}" + _suggest(command, sorted(commands)))
    rows = []
    for name in [command] if command else sorted(commands):
        sub = click.Context(commands[name], info_name=name, parent=root, default_map={})
        for p in _options(commands[name]):
            env = _env_name(p, sub)
            from_file = settings.entries.get((name, p.name))
            if (value := p.resolve_envvar_value(sub)) is not None:
                source = f"env {env}"
            elif from_file is not None:
                value, source = from_file.raw, from_file.source
            else:
                value, source = p.get_default(sub), "default"
            if isinstance(value, Path):
                value = str(value)
            elif not isinstance(value, (str, int, float, bool, tuple, list)):
                value = None  # None, or Click's "no default" sentinel
            option = next((o for o in p.opts if o.startswith("--")), p.opts[0])
            rows.append(Effective(name, option, value, source, env))
    return Listing(settings.label, tuple(rows))


def _env_name(p: click.Option, ctx: click.Context) -> str:
    """The variable Click reads for ``p``: the one set, else the auto name."""
    names = [p.envvar] if isinstance(p.envvar, str) else list(p.envvar or ())
    if p.allow_from_autoenv and ctx.auto_envvar_prefix:
        names.append(f"{ctx.auto_envvar_prefix}_{p.name.upper()}")
    return next((n for n in names if os.environ.get(n)), names[-1] if names else "")
