"""jazzgen.cli.config: defaults from jazzgen.toml / pyproject.toml and JAZZGEN_* variables for
any option of any command, their precedence, bad files as one error line, ``jazzgen config``."""

import json

import click
import mido
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jazzgen.cli import main
from jazzgen.cli.config import CONFIG_ENV, MAX_CONFIG_BYTES, load_settings, use_settings
from jazzgen.cli.options import friendly_errors
from jazzgen.generate.band_config import SOLO_INSTRUMENTS


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A fresh working folder, with conftest's stand-in settings file out of the way."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return tmp_path


def run(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def key_shown(result) -> str:
    """The key `jazzgen changes` printed its first progression in: "... (in Eb)" -> "Eb"."""
    assert result.exit_code == 0, result.output
    return result.output.splitlines()[0].rsplit("(in ", 1)[1].rstrip(")")


def listing(*args, env=None) -> dict[tuple[str, str], dict]:
    r = run("config", *args, "--json", env=env)
    assert r.exit_code == 0, r.output
    return {(o["command"], o["option"]): o for o in json.loads(r.stdout)["options"]}


def test_the_file_sets_a_commands_defaults(here):
    assert key_shown(run("changes")) == "F"
    (here / "jazzgen.toml").write_text('[changes]\nkey = "Eb"\n')
    assert key_shown(run("changes")) == "Eb"


def test_precedence_is_flag_then_env_then_file_then_default(here):
    (here / "jazzgen.toml").write_text('[changes]\nkey = "Eb"\n')
    env = {"JAZZGEN_CHANGES_KEY": "G"}
    assert key_shown(run("changes", env=env)) == "G"
    assert key_shown(run("changes", "--key", "D", env=env)) == "D"
    assert key_shown(run("changes", "--key", "D")) == "D"
    assert key_shown(run("changes", env={"JAZZGEN_CHANGES_KEY": ""})) == "Eb"  # empty: unset


def test_generate_plays_at_the_files_tempo_instrument_and_seed(here):
    (here / "jazzgen.toml").write_text(
        '# my defaults\n[generate]\ntempo = 180\ninstrument = "alto"\nseed = 7\n'
        'length = 8\nno-band = true\noutput = "mine.mid"\n')
    r = run("generate")
    assert r.exit_code == 0, r.output
    assert "seed: 7" in r.stderr
    midi = mido.MidiFile(here / "mine.mid")
    tempos = {m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"}
    programs = {m.program for t in midi.tracks for m in t if m.type == "program_change"}
    assert tempos == {mido.bpm2tempo(180)}
    assert programs == {SOLO_INSTRUMENTS["alto"]}  # the solo alone: no band
    notes = [m for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0]
    assert len(notes) == 8
    assert run("generate", "--output", "flag.mid", "--tempo", 90).exit_code == 0
    tempos = {m.tempo for t in mido.MidiFile(here / "flag.mid").tracks for m in t
              if m.type == "set_tempo"}
    assert tempos == {mido.bpm2tempo(90)}


def test_top_level_keys_reach_every_command_with_the_option_and_tables_win(here, monkeypatch):
    from jazzgen.corpus.loader import Corpus
    from jazzgen.model import train as train_mod

    got = []

    def fake_train(corpus, model, **kwargs):
        got.append(kwargs)
        return train_mod.TrainResult(model, Corpus(str(corpus), (), ()), 1, 1, None, None, 0, 0)

    monkeypatch.setattr(train_mod, "train", fake_train)
    (here / "jazzgen.toml").write_text(
        'seed = 5\n\n[train]\nepochs = 40\nlstm_size = 8\n\n[evaluate]\nseed = 9\n')
    assert run("train").exit_code == 0
    assert (got[0]["train_cfg"].seed, got[0]["train_cfg"].epochs) == (5, 40)
    assert got[0]["model_cfg"].lstm_size == 8
    shown = listing()
    assert shown["generate", "--seed"]["value"] == 5
    assert shown["generate", "--seed"]["source"] == "jazzgen.toml:1"
    assert shown["evaluate", "--seed"]["value"] == 9
    assert shown["evaluate", "--seed"]["source"] == "jazzgen.toml:8"
    assert shown["train", "--epochs"]["source"] == "jazzgen.toml:4"
    assert shown["train", "--lstm-size"]["source"] == "jazzgen.toml:5"


def test_pyproject_table_is_read_and_a_jazzgen_toml_hides_it(here):
    (here / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.jazzgen]\nseed = 3\n\n[tool.jazzgen.changes]\n'
        'key = "Bb"\n')
    assert key_shown(run("changes")) == "Bb"
    shown = listing()
    assert shown["changes", "--key"]["source"] == "pyproject.toml [tool.jazzgen]:8"
    assert shown["generate", "--seed"]["source"] == "pyproject.toml [tool.jazzgen]:5"
    (here / "jazzgen.toml").write_text('[changes]\nkey = "A"\n')
    assert key_shown(run("changes")) == "A"
    assert listing()["generate", "--seed"]["source"] == "default"  # one file only


def test_a_pyproject_of_another_tool_is_not_needed_or_parsed(here):
    (here / "pyproject.toml").write_text("[tool.black\nbroken = ")
    assert key_shown(run("changes")) == "F"
    (here / "pyproject.toml").write_text('[project]\nname = "jazzgen-fan"\n')
    assert key_shown(run("changes")) == "F"


def test_config_option_and_variable_name_another_file(here):
    (here / "elsewhere.toml").write_text('[changes]\nkey = "Db"\n')
    (here / "jazzgen.toml").write_text('[changes]\nkey = "A"\n')
    assert key_shown(run("--config", "elsewhere.toml", "changes")) == "Db"
    assert key_shown(run("changes", env={CONFIG_ENV: "elsewhere.toml"})) == "Db"
    (here / "sub").mkdir()
    (here / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    r = run("--config", "sub/pyproject.toml", "changes")
    assert r.exit_code == 1 and r.stderr == "Error: sub/pyproject.toml: no [tool.jazzgen] table\n"


def test_config_lists_each_source(here):
    (here / "jazzgen.toml").write_text('[generate]\n\ntempo = 180\n')
    r = run("config", "generate", env={"JAZZGEN_GENERATE_INSTRUMENT": "flute",
                                       "JAZZGEN_SOUNDFONT": "/no/such.sf2"})
    assert r.exit_code == 0, r.output
    assert r.stderr == "Settings file: jazzgen.toml\n"
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["COMMAND", "OPTION", "VALUE", "SOURCE"]
    rows = {line.split()[1]: line.split()[2:] for line in lines[1:]}
    assert all(line.split()[0] == "generate" for line in lines[1:])
    assert rows["--tempo"] == ["180", "jazzgen.toml:3"]
    assert rows["--instrument"] == ["flute", "env", "JAZZGEN_GENERATE_INSTRUMENT"]
    assert rows["--soundfont"] == ["(none)", "default"]  # JAZZGEN_SOUNDFONT is no option's
    assert rows["--output"] == ["out/solo.mid", "default"]
    assert rows["--no-band"] == ["false", "default"]
    assert len(rows) == len([p for p in main.commands["generate"].params
                             if isinstance(p, click.Option)])


def test_config_json_names_each_variable_and_covers_every_command(here):
    shown = listing(env={"JAZZGEN_GENERATE_CHANGES_NAME": "rhythm"})
    assert {c for c, _ in shown} == {name for name, cmd in main.commands.items()
                                     if any(isinstance(p, click.Option) for p in cmd.params)}
    assert "ports" in main.commands and ("ports" not in {c for c, _ in shown})  # no options
    changes = shown["generate", "--changes"]
    assert (changes["value"], changes["source"]) == ("rhythm", "env JAZZGEN_GENERATE_CHANGES_NAME")
    assert shown["evaluate", "--json"]["env"] == "JAZZGEN_EVALUATE_JSON_PATH"
    assert shown["render", "--wav"] == {"command": "render", "option": "--wav", "value": True,
                                        "source": "default", "env": "JAZZGEN_RENDER_WAV"}
    r = run("config", "generat")
    assert r.exit_code == 1 and r.stderr == \
        "Error: no command 'generat' (did you mean 'generate'?)\n"


def test_keys_take_either_spelling_parameter_names_and_negated_flags(here):
    (here / "jazzgen.toml").write_text(
        '[generate]\nduration_temperature = 0.8\ntop-p = 0.9\nchanges = "rhythm"\n'
        '[render]\nno-wav = true\n[evaluate]\njson_path = "r.json"\n')
    shown = listing()
    assert shown["generate", "--duration-temperature"]["value"] == 0.8
    assert shown["generate", "--top-p"]["value"] == 0.9
    assert shown["generate", "--changes"]["value"] == "rhythm"
    assert shown["render", "--wav"]["source"] == "jazzgen.toml:6"
    assert shown["evaluate", "--json"]["value"] == "r.json"
    settings = load_settings(main)
    assert settings.default_map()["render"] == {"wav": False}


BAD = [
    ('[generate]\ntempo = 500\n', "jazzgen.toml:2: [generate] tempo: 500.0 is not in the "
     "range 20<=x<=400."),
    ('[generate]\n# the band\n\ntmepo = 50\n', "jazzgen.toml:4: [generate] 'tmepo': no such "
     "option of jazzgen generate (did you mean 'tempo'?)"),
    ('seed = 1\n[generat]\ntempo = 50\n', "jazzgen.toml:2: [generat]: no such command (did you "
     "mean [generate]?)"),
    ('speed = 3\n', "jazzgen.toml:1: 'speed': no command has this option (did you mean "
     "'seed'?); a command's options go in its own table, e.g. [generate]"),
    ('[generate]\ntempo = "fast"\n', 'jazzgen.toml:2: [generate] tempo: expected a number, got '
     'a string ("fast")'),
    ('[generate]\ninstrument = "kazoo"\n', "jazzgen.toml:2: [generate] instrument: 'kazoo' is "
     "not one of 'alto', 'baritone', 'clarinet', 'flute', 'guitar', 'piano', 'soprano', "
     "'tenor', 'trombone', 'trumpet', 'vibes'."),
    ('[generate]\nmeter = "3/x"\n', "jazzgen.toml:2: [generate] meter: expected a time "
     "signature like 3/4, got '3/x'"),
    ('[train]\nepochs = 1.5\n', "jazzgen.toml:2: [train] epochs: expected an integer, got a "
     "number (1.5)"),
    ('[train]\nfresh = 1\n', "jazzgen.toml:2: [train] fresh: expected true or false, got an "
     "integer (1)"),
    ('seed = true\n', "jazzgen.toml:1: seed (for jazzgen train): expected an integer, got "
     "a boolean (true)"),
    ('[generate]\ntempo = nan\n', "jazzgen.toml:2: [generate] tempo: expected a finite number, "
     "got nan"),
    ('[generate]\ntop_p = 0.9\ntop-p = 0.8\n', "jazzgen.toml:3: [generate] top-p: set twice "
     "(also as 'top_p')"),
    ('generate.tempo = 900\n', "jazzgen.toml:1: [generate] tempo: 900.0 is not in the range "
     "20<=x<=400."),
    ('[stats]\ncorpus = "c"\n[changes]\nkey = 5\n', "jazzgen.toml:4: [changes] key: expected "
     "a string, got an integer (5)"),
    ('[generate]\ntempo = \n', "jazzgen.toml:2:9: not valid TOML: Invalid value"),
    ('[generate]\ntempo = [1,\n', "jazzgen.toml:3: not valid TOML: Invalid value"),
    ('[render]\nwav = 1979-05-27\n', "jazzgen.toml:2: [render] wav: expected true or false, "
     "got a date/time (1979-05-27)"),
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "jazzgen.toml: arrays or tables nested too "
     "deeply"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m.split(": ", 2)[-1][:30] for _, m in BAD])
def test_a_bad_file_is_one_error_line_naming_file_key_and_line(here, text, message):
    (here / "jazzgen.toml").write_text(text)
    r = run("changes")
    assert r.exit_code == 1
    assert r.stderr == f"Error: {message}\n"
    assert r.stdout == ""


def test_a_bad_pyproject_table_is_named_with_its_table(here):
    (here / "pyproject.toml").write_text('[tool.jazzgen]\n\n[tool.jazzgen.generate]\n'
                                         'tempo = 1000\n')
    r = run("changes")
    assert r.exit_code == 1 and r.stderr == (
        "Error: pyproject.toml:4: [tool.jazzgen.generate] tempo: 1000.0 is not in the range "
        "20<=x<=400.\n")


def test_an_oversized_or_binary_file_is_refused_before_parsing(here):
    (here / "jazzgen.toml").write_bytes(b"#" * (MAX_CONFIG_BYTES + 1))
    r = run("changes")
    assert r.exit_code == 1 and r.stderr == \
        "Error: jazzgen.toml: over 1 MiB; a settings file is a few lines of TOML\n"
    (here / "jazzgen.toml").write_bytes(b'[changes]\nkey = "\xff"\n')
    r = run("changes")
    assert r.exit_code == 1 and r.stderr == "Error: jazzgen.toml:2: not UTF-8 text\n"


def test_any_new_option_of_any_command_is_configurable(here):
    """Nothing lists the options: a command added later works from file and env alike."""

    @click.group(context_settings={"auto_envvar_prefix": "JAZZGEN"})
    @click.pass_context
    @friendly_errors
    def toy(ctx):
        use_settings(ctx, load_settings(ctx.command))

    @toy.command("new-cmd")
    @click.option("--fancy-level", "level", type=click.IntRange(0, 3), default=1)
    @click.option("--tag", "tags", multiple=True)
    def new_cmd(level, tags):
        click.echo(f"{level} {','.join(tags)}")

    (here / "jazzgen.toml").write_text('[new-cmd]\nfancy_level = 2\ntag = ["a", "b"]\n')
    assert CliRunner().invoke(toy, ["new-cmd"]).output == "2 a,b\n"
    r = CliRunner().invoke(toy, ["new-cmd"], env={"JAZZGEN_NEW_CMD_LEVEL": "3"})
    assert r.output == "3 a,b\n"
    (here / "jazzgen.toml").write_text('[new-cmd]\ntag = "a"\n')
    r = CliRunner().invoke(toy, ["new-cmd"])
    assert r.exit_code == 1 and "jazzgen.toml:2: [new-cmd] tag: expected an array" in r.output


TOMLISH = st.lists(st.sampled_from([
    "[generate]", "[train]", "[tool.jazzgen]", "[[generate]]", "[x", "tempo", "seed", "key",
    "changes", "no-wav", "wav", " = ", "=", "180", "1.5", "-3", "nan", "true", '"alto"', "'Eb'",
    '"""', "[", "]", "{", "}", ",", ".", "#", "\n", "\n", "\n", " ", "1979-05-27", "\\u00e9",
    "é", "\x00", "\t"]), max_size=30).map("".join)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(TOMLISH, st.text(max_size=60)))
def test_no_file_content_gives_a_traceback(here, text):
    (here / "jazzgen.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    r = run("changes")
    assert r.exit_code in (0, 1), r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    if r.exit_code == 1:
        assert r.stderr.startswith("Error: jazzgen.toml") and r.stderr.count("\n") == 1


def test_a_named_empty_file_shuts_out_the_working_folders(here, tmp_path_factory):
    """What conftest does for the whole suite: a developer's own jazzgen.toml is not read."""
    (here / "jazzgen.toml").write_text('[changes]\nkey = "Eb"\nbroken = ')
    empty = tmp_path_factory.mktemp("elsewhere") / "jazzgen.toml"
    empty.write_text("")
    assert key_shown(run("changes", env={CONFIG_ENV: str(empty)})) == "F"


def test_the_readme_example_file_is_valid(here):
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1]
    (here / "jazzgen.toml").write_text(section.split("```toml\n", 1)[1].split("```", 1)[0])
    defaults = load_settings(main).default_map()
    assert defaults["generate"]["tempo"] == 180 and defaults["train"]["seed"] == 7
