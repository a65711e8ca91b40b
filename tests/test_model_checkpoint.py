"""jazzgen.model.checkpoint: a checkpoint's state is read back only for the same setup and
with its files; the files it does not name (the training logs aside) are removed."""

import json

from jazzgen.model.checkpoint import read_state, remove_unnamed


def test_checkpoint_state_is_used_only_for_the_same_setup_with_its_files(tmp_path):
    state = {"fingerprint": "abc", "epoch": 2, "step": 5, "history": {}, "best": 1.0,
             "best_epoch": 2, "wait": 0, "model": "model-0002-000005.keras",
             "best_file": "best-0002.weights.h5"}
    (tmp_path / "state.json").write_text(json.dumps(state))
    assert read_state(tmp_path, "abc") is None  # the files it names are missing
    for name in (state["model"], state["best_file"]):
        (tmp_path / name).write_bytes(b"x")
    assert read_state(tmp_path, "abc") == state
    assert read_state(tmp_path, "another setup") is None
    (tmp_path / "state.json").write_text('{"fingerprint": "abc", "epo')  # never written so
    assert read_state(tmp_path, "abc") is None
    # an epoch-end checkpoint of an earlier jazzgen: fixed names, no step
    old = {k: state[k] for k in ("fingerprint", "epoch", "history", "best", "best_epoch", "wait")}
    (tmp_path / "state.json").write_text(json.dumps(old))
    (tmp_path / "last.keras").write_bytes(b"x")
    (tmp_path / "best.weights.h5").write_bytes(b"x")
    assert read_state(tmp_path, "abc") == old | {
        "step": 0, "model": "last.keras", "best_file": "best.weights.h5"}


def test_files_the_state_does_not_name_are_removed_but_the_logs_stay(tmp_path):
    names = ["state.json", "model-0001-000004.keras", "model-0001-000000.keras",
             "best-0001.weights.h5", ".tmp-model-0001-000008.keras", "log_epochs.csv",
             "log_steps.csv", ".log_steps.csv.x1y2.tmp"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    remove_unnamed(tmp_path, {"model": "model-0001-000004.keras",
                              "best_file": "best-0001.weights.h5"})
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best-0001.weights.h5", "log_epochs.csv", "log_steps.csv", "model-0001-000004.keras",
        "state.json"]
