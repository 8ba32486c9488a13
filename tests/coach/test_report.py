"""``runsense report`` and ``compare``: sections, valid embedded PNGs, red flags, escaping, errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from runsense.coach.advice import RED_FLAGS
from runsense.coach.cli import main
from runsense.coach.plots import PNG_MAGIC
from runsense.coach.progress import Progress
from runsense.coach.report import write_report
from runsense.config import RunnerSettings
from tests.coach.conftest import demo_copy, fit_like_recording, png_chunks

FIT_DATA = Path(__file__).resolve().parent.parent / "fit" / "data"
SECTIONS = ("summary", "advice", "cadence", "impact", "balance", "step-length", "contact", "red-flags")
NASTY = '<script>alert("x")</script> & <b>Co</b>'


def run_report(rec: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["report", str(rec), "--out", str(out)]) == 0
    page = out / f"{rec.stem}-report.html"
    assert capsys.readouterr().out == f"wrote {page}\n"
    return page.read_text(encoding="utf-8")


def fit_session(path: Path, cadence_spm: float) -> Path:
    return fit_like_recording(
        path,
        [
            {
                "cadence_spm": cadence_spm,
                "speed_mps": 3.0 + 0.01 * t,
                "distance_m": 3.0 * t,
                "stance_time_ms": 260.0,
                "stance_time_balance_left_pct": 50.8,
                "step_length_m": 1.1,
            }
            for t in range(40)
        ],
    )


def test_demo_report_has_every_section_valid_pngs_and_the_red_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rec = demo_copy(tmp_path / "in", metadata={"runner": NASTY, "notes": "<img src=x onerror=alert(1)>"})
    page = run_report(rec, tmp_path / "out", capsys)
    for section in SECTIONS:
        assert f'id="{section}"' in page, section
    pngs = png_chunks(page)
    assert len(pngs) == 3  # cadence, impact, step length; the sacrum gives no sides and no contact time
    assert all(png.startswith(PNG_MAGIC) and png.endswith(b"IEND\xaeB`\x82") for png in pngs)
    text = " ".join(page.split())
    assert "Left/right balance is not available for this sensor: the sacrum sensor" in text
    assert "Contact time was not estimated" in text
    assert "runsense is a training aid, not a diagnostic device." in text
    assert RED_FLAGS in text
    assert "Pain that lasts more than two weeks" in text
    assert "185.6 steps/min" in text
    assert "cues</th><td>3 (on target 1, raise cadence 1, shorten stride 1)" in text
    assert NASTY not in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;Co&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'id="load"' not in page  # alone in its folder: no training load
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["demo-report.html"]  # no temp files left


def test_without_stored_cues_the_report_computes_them_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored = " ".join(run_report(demo_copy(tmp_path, "stored.rsrec"), tmp_path, capsys).split())
    computed = " ".join(
        run_report(demo_copy(tmp_path, "none.rsrec", without_cues=True), tmp_path, capsys).split()
    )
    assert "The recording stores no cues" not in stored
    assert "The recording stores no cues; the cues shown are those the cue engine gives" in computed
    for text in (stored, computed):  # the demo's stored cues are what the engine gives with default settings
        assert "cues</th><td>3 (on target 1, raise cadence 1, shorten stride 1)" in text


def test_report_shows_training_load_from_the_same_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for week, km in enumerate([10, 10, 10, 10, 15]):
        demo_copy(
            tmp_path,
            f"w{week}.rsrec",
            metadata={
                "runner": "ana",
                "distance_km": km,
                "shoes": "Peg",
                "created_utc": f"2026-03-{2 + 7 * week:02d}T07:00:00Z",
            },
        )
    demo_copy(tmp_path, "ben.rsrec", metadata={"runner": "ben", "distance_km": 99})  # another runner
    page = run_report(tmp_path / "w4.rsrec", tmp_path / "out", capsys)
    load = page[page.index('<section id="load">') :]
    load = load[: load.index("</section>")]
    assert "Training load: ana" in load
    assert "From 5 recordings" in load
    assert load.count("<tr><td>2026-W") == 5
    assert "2026-W14: 15.0 km is 50 % over the previous four weeks&#x27; mean of 10.0 km" in load
    advice = page[page.index('id="advice"') : page.index('id="cadence"')]
    assert "Training load:</strong> 2026-W14: 15.0 km is 50 %" in advice


def test_fit_import_report_uses_device_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = run_report(fit_session(tmp_path / "watch.rsrec", 176.0), tmp_path / "out", capsys)
    assert len(png_chunks(page)) == 4  # cadence, balance, step length, contact time
    text = " ".join(page.split())
    assert "Impact per step is not available: a FIT import" in text
    assert "contact time, left share</th><td>50.8 %" in text
    assert "device records</th><td>40 (FIT" in text


def test_report_on_a_real_fit_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from runsense.fit.importer import import_fit_file

    rec = import_fit_file(FIT_DATA / "garmin-fenix-5-run.fit", tmp_path / "run.rsrec")
    page = run_report(rec, tmp_path / "out", capsys)
    assert "2017-06-11 14:34 UTC" in page
    assert "0.16 km" in page
    assert "device</th><td>garmin fenix5" in page
    assert len(png_chunks(page)) == 4


def test_compare_puts_both_sessions_side_by_side_with_differences(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fit_session(tmp_path / "before.rsrec", 160.0)
    after = demo_copy(tmp_path, "after.rsrec")
    assert main(["compare", str(before), str(after), "--out", str(tmp_path / "out")]) == 0
    page_path = tmp_path / "out" / "before-vs-after.html"
    assert capsys.readouterr().out == f"wrote {page_path}\n"
    page = page_path.read_text(encoding="utf-8")
    assert "before: before.rsrec" in page
    assert "after: after.rsrec" in page
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>((?:<td class=num>[^<]*</td>){3})</tr>", page))
    cells = {label: re.findall(r">([^<]*)<", cols) for label, cols in rows.items()}
    assert [c for c in cells["mean cadence (spm)"] if c] == ["160.0", "185.6", "+25.6"]
    assert [c for c in cells["cues (count)"] if c] == ["0", "3", "+3"]
    assert [c for c in cells["mean impact (g)"] if c] == ["-", "2.76", "-"]
    assert "time in band (%)" in cells
    assert "mean step length (m)" in cells
    assert len(png_chunks(page)) == 7  # before: cadence, balance, step length, contact; after: 3
    assert 'id="red-flags"' in page


def test_broken_or_foreign_input_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.rsrec"
    bad.write_text("hello")
    out = tmp_path / "out"
    assert main(["report", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"runsense: error: {bad}: is not a runsense recording")
    assert err.count("\n") == 1
    assert not out.exists()
    assert main(["compare", str(bad), str(bad)]) == 2
    assert main(["report", str(tmp_path / "missing.rsrec")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["report", str(demo_copy(tmp_path)), "--out", str(bad)]) == 2
    assert "is a file; give a folder" in capsys.readouterr().err


def test_progress_bar_draws_for_long_sessions_only_and_never_off_a_terminal(tmp_path: Path) -> None:
    rec = demo_copy(tmp_path, without_steps=True)
    stream = io.StringIO()
    write_report(rec, tmp_path, RunnerSettings(), Progress(stream, min_duration_s=60))
    drawn = stream.getvalue()
    assert "reading" in drawn
    assert "plotting" in drawn
    assert "[##############################] 100 %" in drawn
    quiet = io.StringIO()
    write_report(rec, tmp_path, RunnerSettings(), Progress(quiet, min_duration_s=3600))
    assert quiet.getvalue() == ""
    assert not Progress.for_stderr()._stream  # noqa: SLF001 -- pytest's stderr is not a terminal
