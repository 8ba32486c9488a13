"""Loaders: the real shared data when present, synthetic and broken folders always."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runsense.errors import InputFileError
from runsense.evaluation.datasets import (
    DATASET_NAMES,
    SACRUM_DATASET,
    SHANK_DATASET,
    load_dataset,
    shared_data_dir,
)
from runsense.model import Placement
from tests.evaluation.synthetic_eval_data import make_synthetic_data

SHARED = shared_data_dir()
SHARED_PRESENT = all((SHARED / name / "trials.csv").is_file() for name in DATASET_NAMES)


@pytest.mark.shared_data
@pytest.mark.skipif(
    not SHARED_PRESENT,
    reason=f"force-plate data not found at {SHARED} (set RUNSENSE_SHARED_DATA to use another folder)",
)
@pytest.mark.parametrize(
    ("dataset", "n_trials", "placement", "n_axes", "fs_hz"),
    [(SACRUM_DATASET, 24, Placement.SACRUM, 2, 500.0), (SHANK_DATASET, 13, Placement.SHANK, 3, 142.8571)],
)
def test_shared_data_loads(
    dataset: str, n_trials: int, placement: Placement, n_axes: int, fs_hz: float
) -> None:
    trials = list(load_dataset(dataset))
    assert len(trials) == n_trials
    for trial in trials:
        assert trial.dataset == dataset
        assert trial.placement is placement
        assert trial.activity in ("walking", "running")
        assert trial.fs_hz == pytest.approx(fs_hz)
        assert trial.acc_g.shape == (trial.t_s.size, n_axes)
        assert trial.speed_mps is not None
        assert 0.5 < trial.speed_mps < 5.0
        assert np.all(np.diff(trial.ic_s) > 0)
        assert trial.t_s[0] <= trial.ic_s[0]
        assert trial.ic_s[-1] < trial.t_end_s
        np.testing.assert_allclose(trial.contact_ms, (trial.to_s - trial.ic_s) * 1000.0, atol=1.5)
        # The labels agree with the listed force-plate cadence (steps/min, both legs).
        cadence_spm = (trial.ic_s.size - 1) / (trial.ic_s[-1] - trial.ic_s[0]) * 60 * trial.steps_per_contact
        assert cadence_spm == pytest.approx(trial.force_cadence_spm, rel=0.02)
    assert {t.steps_per_contact for t in trials} == {2 if placement.single_leg else 1}


def test_synthetic_folder_via_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_synthetic_data(tmp_path)
    monkeypatch.setenv("RUNSENSE_SHARED_DATA", str(tmp_path))
    assert shared_data_dir() == tmp_path
    (trial,) = load_dataset(SHANK_DATASET)
    assert trial.name == "trial_01"
    assert trial.placement is Placement.SHANK
    assert trial.axis_names == ("ax_g", "ay_g", "az_g")
    assert trial.speed_mps == pytest.approx(8.5 / 3.6)
    assert trial.steps_per_contact == 2
    (sacrum,) = load_dataset(SACRUM_DATASET)
    assert sacrum.acc_g.shape[1] == 2
    assert sacrum.speed_mps == pytest.approx(3.0)


def test_missing_folder_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="RUNSENSE_SHARED_DATA"):
        list(load_dataset(SACRUM_DATASET, data_dir=tmp_path))


@pytest.mark.parametrize(
    ("file_name", "text", "message"),
    [
        ("trial_01.contacts.csv", "ic_s,to_s,contact_ms\n0.2,0.4,200\n", "contacts but trials.csv says"),
        ("trial_01.contacts.csv", "ic,to,ms\n0.2,0.4,200\n", "expected columns"),
        ("trial_01.csv", "t_s,ax_g,ay_g\n0.0,1.0\n", "cannot read|columns"),
        ("trial_01.csv", "t_s,ax_g,ay_g\n0.0,1.0,nan\n0.002,1.0,1.0\n", "NaN"),
        ("trial_01.csv", "t_s,ax_g,ay_g\n0.0,1.0,1.0\n0.5,1.0,1.0\n", "does not match rate_hz"),
    ],
)
def test_malformed_files_raise_input_file_error(
    tmp_path: Path, file_name: str, text: str, message: str
) -> None:
    make_synthetic_data(tmp_path)
    path = tmp_path / SACRUM_DATASET / file_name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError, match=message) as info:
        list(load_dataset(SACRUM_DATASET, data_dir=tmp_path))
    assert info.value.path == str(path)
