"""jazzgen.model.train: fitting the LSTM, checkpoints every epoch and resuming, the summary."""

import json
from pathlib import Path

import pytest
from builders import motif_line

from jazzgen.corpus.loader import Corpus
from jazzgen.model.train import TrainResult


@pytest.mark.slow
def test_interrupted_training_resumes_from_checkpoint(tmp_path, tiny_corpus, monkeypatch):
    from jazzgen.model import train as train_mod
    from jazzgen.model.config import ModelConfig, TrainConfig

    mcfg = ModelConfig(embedding_size=8, lstm_size=8, lstm_layers=1)
    tcfg = TrainConfig(epochs=3, sequence_length=32, batch_size=16, patience=5)
    real = train_mod._CheckpointerMixin.on_epoch_end

    def crash_after_epoch_2(self, epoch, logs=None):
        real(self, epoch, logs)
        if epoch + 1 == 2:
            raise KeyboardInterrupt  # as if Ctrl-C arrived right after the checkpoint

    monkeypatch.setattr(train_mod._CheckpointerMixin, "on_epoch_end", crash_after_epoch_2)
    with pytest.raises(KeyboardInterrupt):
        train_mod.train(tiny_corpus, tmp_path / "m", model_cfg=mcfg, train_cfg=tcfg,
                        log=lambda m: None, verbose=0)
    state = json.loads((tmp_path / "m.checkpoint" / "state.json").read_text())
    assert state["epoch"] == 2 and not (tmp_path / "m").exists()
    monkeypatch.setattr(train_mod._CheckpointerMixin, "on_epoch_end", real)
    logs = []
    res = train_mod.train(tiny_corpus, tmp_path / "m", model_cfg=mcfg, train_cfg=tcfg,
                          log=logs.append, verbose=0)
    assert res.resumed_from == 2 and "after epoch 2" in logs[0]
    assert res.epochs_run == 3
    hist = json.loads((tmp_path / "m" / "history.json").read_text())
    assert sorted(hist["epochs"]) == ["1", "2", "3"]
    assert not (tmp_path / "m.checkpoint").exists()


def _result(**kw) -> TrainResult:
    corpus = Corpus("c", (("a.mid", motif_line("a", bars=2)), ("b.mid", motif_line("b"))), ())
    fields = dict(bundle=Path("models/m"), corpus=corpus, epochs_run=3, best_epoch=2,
                  valid_nll=1.23456, unigram_nll=3.5, train_events=1000, valid_events=100)
    return TrainResult(**(fields | kw))


def test_summary_says_what_the_run_did():
    assert _result().summary() == [
        "Trained on 2 pieces (48 notes): 1000 training events, 100 validation events.",
        "Epochs run: 3 (best 2)",
        "Validation NLL per event: 1.235 nats (unigram baseline 3.500)",
        "Model bundle: models/m",
    ]
    resumed = _result(resumed_from=2, valid_nll=None, unigram_nll=None).summary()
    assert resumed[1] == "Epochs run: 3 (best 2), resumed after epoch 2"
    assert not any("Validation" in line for line in resumed)
