"""The bounded worker pool: results in order, and a killed worker costs one file."""

from __future__ import annotations

from builders import pool_job

from jazzgen.corpus.pool import IN_FLIGHT_PER_WORKER, run_pool


def test_results_come_back_in_order_with_every_job_reported():
    seen = []
    out = run_pool(pool_job, list(range(12)), 2, dead=lambda a: "dead",
                   done=lambda i, r: seen.append(i))
    assert out == [i * i for i in range(12)]
    assert sorted(seen) == list(range(12))
    assert IN_FLIGHT_PER_WORKER >= 1


def test_a_killed_worker_costs_only_its_own_job():
    args = [1, 2, -1, 3, 4, -2, 5]
    out = run_pool(pool_job, args, 2, dead=lambda a: f"dead {a}")
    assert out == [1, 4, "dead -1", 9, 16, "dead -2", 25]


def test_a_corpus_with_a_file_that_kills_its_reader_still_loads(tmp_path, monkeypatch):
    from builders import write_corpus

    from jazzgen.corpus import loader

    folder = write_corpus(tmp_path / "c", n=18, bars=4)
    # Every file is a cache miss and the pool is used; the dead-worker result is the one the
    # corpus reports for a file whose reader died.
    monkeypatch.setenv("JAZZGEN_CACHE_DIR", "off")
    corpus = loader.load_corpus(folder, workers=2)
    assert len(corpus.pieces) == 18 and not corpus.skipped
    path, score, reason, detail = loader._died(("x/solo.mid", None))
    assert (path, score, reason) == ("x/solo.mid", None, "unreadable")
    assert "process died" in detail
