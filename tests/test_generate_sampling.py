"""jazzgen.generate.sampling: the sampling rule (grammar mask, temperature, top-p, seeded
draws) and whole lines sampled from a small seeded network, no TensorFlow involved."""

import numpy as np
import pytest
from builders import make_score, seeded_net

from jazzgen.errors import GenerateError
from jazzgen.generate.form import repeat_form
from jazzgen.generate.sampling import SampleConfig, choose, sample
from jazzgen.model.config import EncodingConfig
from jazzgen.model.encoding import Vocabulary
from jazzgen.music.notes import TimeSignature
from jazzgen.music.progressions import parse_changes


def test_choose_never_leaves_the_mask():
    rng = np.random.default_rng(0)
    logits = np.array([5.0, 4.0, 3.0, 0.0, -1.0])
    allowed = np.array([False, True, True, True, False])
    draws = {choose(logits, allowed, SampleConfig(temperature=2.0, top_p=1.0), rng)
             for _ in range(300)}
    assert draws == {1, 2, 3}


def test_top_p_keeps_the_nucleus_only():
    rng = np.random.default_rng(0)
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    allowed = np.ones(4, bool)
    draws = {choose(logits, allowed, SampleConfig(top_p=0.7), rng) for _ in range(300)}
    assert draws == {0, 1}


def test_draws_follow_the_distribution_not_argmax():
    rng = np.random.default_rng(1)
    logits = np.log(np.array([0.6, 0.4]))
    picks = [choose(logits, np.ones(2, bool), SampleConfig(top_p=1.0), rng) for _ in range(2000)]
    assert 0.35 < np.mean(picks) < 0.45


def test_low_temperature_sharpens():
    rng = np.random.default_rng(2)
    logits = np.log(np.array([0.6, 0.4]))
    cfg = SampleConfig(temperature=0.1, top_p=1.0)
    picks = [choose(logits, np.ones(2, bool), cfg, rng) for _ in range(500)]
    assert np.mean(picks) < 0.05


@pytest.mark.parametrize("kw", [{"temperature": 0}, {"top_p": 0}, {"top_p": 1.5}])
def test_bad_settings_are_rejected(kw):
    with pytest.raises(ValueError):
        SampleConfig(**kw)


V = Vocabulary(EncodingConfig())
CHANGES = repeat_form(parse_changes("Dm7 G7 | Cmaj7 |"), 2, 96, 8)
SIGS = (TimeSignature(0),)


def seeds(*values):
    return [np.random.SeedSequence(v) for v in values]


def test_sample_plays_the_asked_number_of_notes_one_line_per_seed():
    lines = sample(seeded_net(), V, CHANGES, SIGS, seeds(1, 2, 1), SampleConfig(), notes=12)
    assert [len(line) for line in lines] == [12, 12, 12]
    assert lines[0] == lines[2] != lines[1]  # the seed alone decides the line
    for line in lines:
        assert all(a.end <= b.start for a, b in zip(line, line[1:], strict=False))  # monophonic
        assert all(1 <= n.velocity <= 127 for n in line)


def test_sample_stops_at_the_end_tick_and_cuts_the_last_note_there():
    end = 4 * 96
    for line in sample(seeded_net(1), V, CHANGES, SIGS, seeds(3, 4), SampleConfig(), end=end):
        assert line and max(n.end for n in line) <= end


def test_a_primer_is_kept_at_the_start():
    lick = make_score([(62, 0, 16), (65, 16, 8), (69, 24, 24), (72, 48, 48)])
    (line,) = sample(seeded_net(2), V, CHANGES, SIGS, seeds(5), SampleConfig(), notes=6,
                     primer=lick)
    assert [(n.pitch, n.start, n.duration) for n in line[:4]] == [
        (n.pitch, n.start, n.duration) for n in lick.notes]
    assert len(line) == 4 + 6


def test_a_primer_can_end_with_a_rest_so_sampling_starts_on_a_bar_line():
    # a lick that stops mid-bar (beat 2) and one whose last note is longer than any
    # duration token: sampling starts at primer_end either way, the primer kept as it was
    for lick, primer_end in ((make_score([(62, 0, 16), (65, 24, 24)]), 2 * 96),
                             (make_score([(60, 24, 300)]), 4 * 96)):
        (line,) = sample(seeded_net(2), V, CHANGES, SIGS, seeds(5), SampleConfig(),
                         end=primer_end + 96, primer=lick, primer_end=primer_end)
        kept = [n for n in line if n.start < primer_end]
        assert [(n.pitch, n.start) for n in kept] == [(n.pitch, n.start) for n in lick.notes]
        assert all(n.end <= primer_end for n in kept)
        assert all(primer_end <= n.start < primer_end + 96 for n in line[len(kept):])
        assert len(line) > len(kept)
    # without a primer, primer_end is a rest from the start: nothing is played before it
    (line,) = sample(seeded_net(2), V, CHANGES, SIGS, seeds(5), SampleConfig(), end=3 * 96,
                     primer_end=2 * 96)
    assert line and min(n.start for n in line) >= 2 * 96


def test_sample_needs_a_length():
    with pytest.raises(GenerateError, match="number of notes or an end tick"):
        sample(seeded_net(), V, CHANGES, SIGS, seeds(0), SampleConfig())


def test_non_finite_temperatures_are_refused():
    # NaN probabilities once made the sampler loop for ever
    from jazzgen.errors import ConfigError
    from jazzgen.generate.sampling import SampleConfig

    for bad in (float("nan"), float("inf"), 0.0, -1.0):
        with pytest.raises(ConfigError, match="finite number > 0"):
            SampleConfig(temperature=bad)


def test_durations_draw_with_their_own_temperature():
    from jazzgen.errors import ConfigError
    from jazzgen.generate.sampling import SampleConfig

    cfg = SampleConfig(temperature=0.8, top_p=0.9, duration_temperature=0.5)
    assert cfg.for_durations() == SampleConfig(temperature=0.5, top_p=0.9)
    assert SampleConfig(temperature=0.8).for_durations() == SampleConfig(temperature=0.8)
    assert cfg.describe() == "temperature 0.8 (durations 0.5), top-p 0.9"
    assert SampleConfig(**cfg.to_dict()) == cfg
    for bad in (float("nan"), float("inf"), 0.0):
        with pytest.raises(ConfigError, match="duration temperature must be a finite"):
            SampleConfig(duration_temperature=bad)


def test_a_cold_duration_temperature_changes_only_the_rhythm_draws():
    from jazzgen.generate.sampling import SampleConfig

    base = SampleConfig(temperature=1.0, top_p=1.0)
    same = sample(seeded_net(3), V, CHANGES, SIGS, seeds(8), base, notes=40)[0]
    cold = sample(seeded_net(3), V, CHANGES, SIGS, seeds(8),
                  SampleConfig(temperature=1.0, top_p=1.0, duration_temperature=0.05),
                  notes=40)[0]
    explicit = sample(seeded_net(3), V, CHANGES, SIGS, seeds(8),
                      SampleConfig(temperature=1.0, top_p=1.0, duration_temperature=1.0),
                      notes=40)[0]
    assert explicit == same  # a duration temperature equal to the temperature changes nothing
    # near-greedy rhythm: far fewer distinct durations than the free draw
    assert len({n.duration for n in cold}) < len({n.duration for n in same})


def test_a_quote_guard_keeps_quotes_to_its_limit_and_changes_nothing_below_it():
    from jazzgen.errors import ConfigError
    from jazzgen.generate.sampling import QuoteGuard, SampleConfig
    from jazzgen.music.quotes import WINDOW, QuoteIndex

    cfg = SampleConfig(temperature=0.3, top_p=1.0)
    free = sample(seeded_net(6), V, CHANGES, SIGS, seeds(11, 12), cfg, notes=120)
    # the network's own lines as the "training solos": unguarded, they quote themselves
    index = QuoteIndex.from_melodies([[n.pitch for n in line] for line in free])
    assert all(index.longest([n.pitch for n in line]) == len(line) for line in free)
    for limit in (WINDOW, 12):
        guarded = sample(seeded_net(6), V, CHANGES, SIGS, seeds(11, 12), cfg, notes=120,
                         guard=QuoteGuard(index, limit))
        for line in guarded:
            assert len([n for n in line]) == 120
            assert index.longest([n.pitch for n in line]) <= (0 if limit == WINDOW else limit)
    # a limit no quote reaches leaves every draw as it was
    empty = QuoteIndex.from_melodies([[30, 31, 30, 31, 30, 31, 30, 31, 30, 31]])
    same = sample(seeded_net(6), V, CHANGES, SIGS, seeds(11, 12), cfg, notes=120,
                  guard=QuoteGuard(empty, WINDOW))
    assert same == free
    with pytest.raises(ConfigError, match=f"at least {WINDOW} notes"):
        QuoteGuard(index, WINDOW - 1)
