"""The dataset tests look where the library looks: ``$SEQGAN_DATA_HOME`` first (issue 23: with
it set they still skipped, looking only beside the repository)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import NO_DATA, SIBLING_DATA, find_data_home


def test_the_environment_variable_wins(tmp_path):
    assert find_data_home({"SEQGAN_DATA_HOME": str(tmp_path)}) == tmp_path
    assert find_data_home({"SEQGAN_DATA_HOME": "~/data"}) == Path.home() / "data"


def test_without_it_the_folder_beside_the_repository():
    assert find_data_home({}) == SIBLING_DATA


def test_a_skip_says_how_to_point_the_tests_at_the_data():
    assert "set SEQGAN_DATA_HOME" in NO_DATA
