"""Build recordings/demo.rsrec from the Apache-2.0 sacrum treadmill trials (Alcantara et al. 2022).

Run from the repository root: ``python recordings/build_demo.py [--data ../shared/data]``.
Trials at 3.33 m/s are joined in order of rising step rate (the preferred and the
+-10 % step-rate trials are among them), each cut from just before its first
force-plate contact to just before its last, so that the joins fall in a flight
phase and the stream stays continuous: cadence visibly changes every ~4 s.
The force-plate contacts are NOT stored in the recording; they only choose the cut points.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from runsense.model import Placement, RawPacket
from runsense.recording import F32_CHAR_UUID, F32_PROFILE, RecordingWriter, SensorInfo, encode_f32_samples

ROOT = Path(__file__).resolve().parent.parent
TRIAL_ORDER = ("trial_17", "trial_10", "trial_05", "trial_25", "trial_16", "trial_12", "trial_29",
               "trial_08", "trial_20", "trial_28", "trial_09", "trial_04", "trial_24", "trial_26")
CUT_BEFORE_CONTACT_S = 0.03
FS_HZ = 500.0


def build(data_dir: Path, out: Path) -> None:
    """Write the demo recording (replacing an older one)."""
    sacrum = data_dir / "alcantara2022_sacrum"
    parts: list[np.ndarray] = []
    order_notes: list[str] = []
    for trial in TRIAL_ORDER:
        table = np.loadtxt(sacrum / f"{trial}.csv", delimiter=",", skiprows=1)
        with (sacrum / f"{trial}.contacts.csv").open() as f:
            contacts = [float(row["ic_s"]) for row in csv.DictReader(f)]
        first = round((contacts[0] - CUT_BEFORE_CONTACT_S) * FS_HZ)
        last = round((contacts[-1] - CUT_BEFORE_CONTACT_S) * FS_HZ)
        parts.append(table[max(first, 0):last, 1:])
        order_notes.append(trial)
    acc_g = np.concatenate(parts)
    metadata = {
        "runner": "alcantara2022-participant",
        "speed_kmh": 12.0,
        "notes": "Sacrum IMU on a treadmill at 3.33 m/s, trials joined by rising step rate: "
        + ", ".join(order_notes)
        + ". Data: Alcantara RS et al. 2022, PeerJ (Apache-2.0), see recordings/README.md.",
        "source": "alcantara2022_sacrum",
    }
    out.unlink(missing_ok=True)
    with RecordingWriter(out, metadata=metadata) as writer:
        writer.add_sensor(SensorInfo("sacrum", F32_PROFILE, Placement.SACRUM, None, FS_HZ,
                                     ("ax_g", "az_g"), F32_CHAR_UUID, {"axes": "ax vertical, az forward"}))
        per_packet = 50  # 100 ms packets, like a BLE IMU streaming at 500 Hz
        for start in range(0, acc_g.shape[0], per_packet):
            block = acc_g[start : start + per_packet]
            t0_s = start / FS_HZ
            writer.write_packet(RawPacket("sacrum", F32_CHAR_UUID, t0_s + block.shape[0] / FS_HZ,
                                          encode_f32_samples(block), t0_s, block.shape[0]))
    print(f"wrote {out}: {acc_g.shape[0] / FS_HZ:.1f} s from {len(order_notes)} trials")


def main() -> None:
    """Command-line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "recordings" / "demo.rsrec")
    args = parser.parse_args()
    build(args.data, args.out)


if __name__ == "__main__":
    main()
