# jazzgen: `make demo` and `make test` work on a fresh machine with Python 3.10+.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_EPOCHS ?= 20
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install demo test smoke lint corpus bench bench-wjazzd bench-scale clean audio-deps

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# FluidSynth and a General MIDI soundfont for WAV rendering (best effort: needs apt and root).
audio-deps:
	@if command -v fluidsynth >/dev/null && ls /usr/share/sounds/sf2/*.sf2 >/dev/null 2>&1; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		(apt-get install -y -q fluidsynth fluid-soundfont-gm >/dev/null 2>&1 || \
		 (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fluidsynth fluid-soundfont-gm >/dev/null 2>&1)) || \
		echo "note: could not install fluidsynth; WAV rendering will be skipped"; \
	else echo "note: install fluidsynth and fluid-soundfont-gm to render WAV"; fi

demo: install audio-deps
	$(BIN)/jazzgen train --corpus midi_corpus --model models/default --epochs $(DEMO_EPOCHS) --seed 1
	$(BIN)/jazzgen generate --model models/default --changes blues --key F --choruses 2 --seed 1 --output out/demo.mid --sheet --roll
	@$(BIN)/jazzgen render out/demo.mid || echo "note: no WAV (see the line above); out/demo.mid plays in any MIDI player"

test: install
	$(BIN)/python -m pytest -q

# The quick loop: every test that does not import TensorFlow (about a minute).
smoke: install
	$(BIN)/python -m pytest -q -m "not slow"

lint: install
	$(BIN)/ruff check jazzgen tests bench midi_corpus

corpus: install
	$(BIN)/python -m midi_corpus.build

# Quick benchmarks, no ../shared needed (about 3 minutes on 2 cores). Each prints a ratio to
# a baseline measured in the same run: generate against `import tensorflow`, the sampler
# against Keras predict() and the previous float64 sampler, training against the same network
# in PyTorch (when torch is installed: pip install torch==2.13.0), and the shipped model's
# (and models/default's, after `make demo`) harmony against an untrained one.
BENCH_EVENTS ?= 200
bench: install
	$(BIN)/python -m bench.generate_startup --runs 3
	$(BIN)/python -m bench.sampling_speed --events $(BENCH_EVENTS)
	$(BIN)/python -m bench.train_speed --steps 40
	$(BIN)/python -m bench.harmony_blues

# The long WJazzD benchmarks: they need the Weimar Jazz Database at ../shared/corpora/wjazzd
# (or JAZZGEN_WJAZZD=DIR) and print one line and skip without it. Retraining the shipped model
# is not part of this: `python -m bench.train_wjazzd` writes over jazzgen/data/wjazzd-lstm.
bench-wjazzd: install
	$(BIN)/python -m bench.metrics_wjazzd
	$(BIN)/python -m bench.eval_wjazzd

# Scale: `jazzgen prepare` on synthetic corpora of 2,000 and 20,000 files (written once into
# out/scale/, about 2 minutes for the larger), its speed and the peak memory of its process
# tree; SCALE_SIZES=2000 for the quick one. Not part of `make test`.
SCALE_SIZES ?= 2000,20000
bench-scale: install
	$(BIN)/python -m bench.scale --sizes $(SCALE_SIZES)

clean:
	rm -rf out models/default models/default.checkpoint .pytest_cache
