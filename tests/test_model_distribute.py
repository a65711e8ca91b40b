"""jazzgen.model.distribute: the cluster a TF_CONFIG describes and the strategy chosen."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jazzgen.errors import ConfigError
from jazzgen.model.distribute import STRATEGIES, Task, choose, cluster_task


def config(index: int, workers: int = 2, kind: str = "worker", chief: int = 0) -> dict:
    cluster = {"worker": [f"127.0.0.1:{2222 + i}" for i in range(workers)]}
    if chief:
        cluster["chief"] = ["127.0.0.1:2221"]
    return {"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": kind,
                                                                  "index": index}})}


def test_no_tf_config_is_one_worker_alone():
    assert cluster_task({}) == Task(0, 1) and Task().chief


def test_workers_are_numbered_and_worker_0_is_the_chief():
    assert cluster_task(config(0)) == Task(0, 2)
    assert cluster_task(config(1)) == Task(1, 2) and not cluster_task(config(1)).chief
    # a cluster with a chief task: the chief is 0, workers follow it
    assert cluster_task(config(0, kind="chief", chief=1)) == Task(0, 3)
    assert cluster_task(config(0, chief=1)) == Task(1, 3)


def test_auto_picks_multi_worker_mirrored_or_one():
    assert choose("auto", config(0), gpus=0) == "multi-worker"
    assert choose("auto", {}, gpus=4) == "mirrored"
    assert choose("auto", {}, gpus=1) == "one"
    assert choose("auto", {}, gpus=0) == "one"
    assert choose("mirrored", {}, gpus=0) == "mirrored"  # the CPU as its one replica


def test_bad_choices_are_one_clear_error():
    with pytest.raises(ConfigError, match="unknown strategy"):
        choose("horovod", {})
    with pytest.raises(ConfigError, match="two or more workers"):
        choose("multi-worker", {})
    with pytest.raises(ConfigError, match="not one of its workers"):
        cluster_task(config(5))
    with pytest.raises(ConfigError, match="not a cluster description"):
        cluster_task({"TF_CONFIG": "{not json"})
    with pytest.raises(ConfigError, match="not a cluster description"):
        cluster_task({"TF_CONFIG": '{"cluster": []}'})
    assert set(STRATEGIES) == {"auto", "one", "mirrored", "multi-worker"}


@given(st.text(max_size=200) | st.recursive(
    st.none() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["cluster", "task", "worker", "chief", "type", "index"]), inner,
        max_size=4), max_leaves=12).map(json.dumps))
def test_any_tf_config_gives_a_task_or_a_config_error(raw):
    try:
        task = cluster_task({"TF_CONFIG": raw})
    except ConfigError:
        return
    assert 0 <= task.index < task.workers


def test_workers_resume_from_the_latest_checkpoint_they_all_have():
    from jazzgen.model.distribute import common_position

    assert common_position([[(1, 200), (1, 100)], [(1, 200), (1, 100)]]) == (1, 200)
    # stopped between the two workers' writes of step 300: back to 200 on both
    assert common_position([[(1, 300), (1, 200)], [(1, 200), (1, 100)]]) == (1, 200)
    # a worker without a checkpoint: everyone starts again
    assert common_position([[(1, 300), (1, 200)], [(-1, -1), (-1, -1)]]) == (0, 0)
    assert common_position([[(0, 4)], [(0, 4)], [(0, 4), (0, 2)]]) == (0, 4)


@pytest.mark.slow
def test_positions_are_gathered_from_every_replica():
    import tensorflow as tf

    from jazzgen.model.distribute import positions

    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    assert positions(strategy, [(2, 37), (2, 30)]) == [[(2, 37), (2, 30)]]
    assert positions(strategy, []) == [[(-1, -1), (-1, -1)]]


def test_a_lost_peer_is_one_clear_error_and_other_errors_pass_unchanged():
    import tensorflow as tf

    from jazzgen.errors import TrainError
    from jazzgen.model.distribute import Task, cluster_error

    lost = tf.errors.UnavailableError(None, None, "Socket closed\n[[{{node CollectiveReduce}}]]")
    got = cluster_error(lost, Task(1, 2))
    assert isinstance(got, TrainError)
    assert str(got) == ("multi-worker training stopped on worker 1 of 2: UnavailableError "
                        "(Socket closed); check that every worker runs and can reach the "
                        "others, then run the same commands again to resume from the last "
                        "checkpoint")
    assert cluster_error(lost, Task()) is lost  # one worker: TensorFlow's own error
    bug = ValueError("a bug")
    assert cluster_error(bug, Task(0, 2)) is bug


@pytest.mark.slow
def test_train_turns_a_peer_lost_mid_epoch_into_that_error(tiny_corpus, tmp_path, monkeypatch):
    import tensorflow as tf

    from jazzgen.errors import TrainError
    from jazzgen.model import train as train_module
    from jazzgen.model.config import ModelConfig, TrainConfig
    from jazzgen.model.distribute import Task

    def lost(*_args, **_kwargs):
        raise tf.errors.UnavailableError(None, None, "failed to connect to all addresses")

    monkeypatch.setattr(train_module, "make_strategy",
                        lambda _name: (tf.distribute.get_strategy(), Task(0, 2)))
    monkeypatch.setattr(train_module, "agreed_state", lambda _dist, state, _log: state)
    monkeypatch.setattr(train_module, "is_multi_worker", lambda _dist: True)
    monkeypatch.setattr(train_module, "build_optimizer", lambda *_a: None)
    monkeypatch.setattr(train_module, "fit_epoch", lost)
    with pytest.raises(TrainError, match=r"worker 0 of 2: UnavailableError \(failed to connect"):
        train_module.train(tiny_corpus, tmp_path / "m", model_cfg=ModelConfig(lstm_size=8),
                           train_cfg=TrainConfig(epochs=1, sequence_length=32, batch_size=16),
                           verbose=0, log=lambda _m: None)
    assert not (tmp_path / "m").exists()
