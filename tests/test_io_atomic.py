"""jazzgen.io.atomic: a reader sees the old file (or folder) or the complete new one, never
half of it, and nothing is left behind."""

from __future__ import annotations

import os
import stat

import pytest

from jazzgen.io import atomic


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_bytes_and_text_replace_the_file_with_normal_permissions(tmp_path):
    target = tmp_path / "sub" / "out.mid"
    assert atomic.write_bytes(target, b"first") == target  # the folder is made
    atomic.write_text(target, "second ♪")
    assert target.read_text(encoding="utf-8") == "second ♪"
    umask = os.umask(0o022)
    os.umask(umask)
    assert _mode(target) == 0o666 & ~umask  # not mkstemp's 0600
    assert os.listdir(target.parent) == ["out.mid"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic.open_for_write(target) as fh:
        fh.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.json"]


def test_a_folder_is_filled_beside_and_swapped_in_whole(tmp_path):
    bundle = tmp_path / "models" / "default"
    bundle.mkdir(parents=True)
    (bundle / "old.txt").write_text("old bundle")
    tmp = atomic.temp_dir_beside(bundle)
    assert tmp.parent == bundle.parent and tmp.is_dir() and not list(tmp.iterdir())
    (tmp / "new.txt").write_text("new bundle")
    assert (bundle / "old.txt").exists()  # untouched until the swap
    assert atomic.replace_dir(tmp, bundle) == bundle
    assert [p.name for p in bundle.iterdir()] == ["new.txt"]
    assert os.listdir(bundle.parent) == ["default"]  # no temporary or old folder left
    fresh = atomic.temp_dir_beside(tmp_path / "other")
    (fresh / "x").write_text("x")
    atomic.replace_dir(fresh, tmp_path / "other")  # nothing there before: just renamed
    assert (tmp_path / "other" / "x").read_text() == "x"
