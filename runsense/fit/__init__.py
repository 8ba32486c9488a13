"""FIT files in and out: export a recording as a FIT activity (and CSV), import a device's FIT activity.

| module | what |
|---|---|
| units.py | cadence: runsense steps/min <-> FIT strides/min + 1/128 fraction |
| metrics.py | ``SecondMetrics``: one second in runsense units, the unit of exchange |
| decode.py | FIT bytes -> plain values (fitdecode, CRC checked) |
| importer.py | FIT activity -> recording (``fit-record`` packets, ``fit_record`` events) |
| encode.py | seconds + cues -> FIT bytes (garmin-fit-sdk ``Encoder``) |
| export.py | recording -> FIT and CSV files, atomically |
| cli.py | the ``runsense export`` subcommand |

Formats and choices: ``docs/fit.md``.
"""

from runsense.fit.cli import add_export_command, cmd_export
from runsense.fit.export import ExportResult, export_recording
from runsense.fit.importer import FIT_CHAR_UUID, import_fit_file, is_fit_file
from runsense.fit.metrics import FIT_RECORD_EVENT, SecondMetrics, seconds_from_events
from runsense.recording.format import FIT_RECORD_PROFILE

__all__ = [
    "FIT_CHAR_UUID",
    "FIT_RECORD_EVENT",
    "FIT_RECORD_PROFILE",
    "ExportResult",
    "SecondMetrics",
    "add_export_command",
    "cmd_export",
    "export_recording",
    "import_fit_file",
    "is_fit_file",
    "seconds_from_events",
]
