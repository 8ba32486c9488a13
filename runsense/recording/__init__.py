"""The ``.rsrec`` recording format: one SQLite file per session, raw packets plus analysis output."""

from runsense.recording.format import (
    APPLICATION_ID,
    F32_CHAR_UUID,
    F32_PROFILE,
    FILE_SUFFIX,
    FORMAT_VERSION,
    Event,
    JsonValue,
    SensorInfo,
    decode_f32_samples,
    encode_f32_samples,
)
from runsense.recording.reader import RecordingReader, iter_sample_chunks
from runsense.recording.writer import RecordingWriter, replace_steps

__all__ = [
    "APPLICATION_ID",
    "F32_CHAR_UUID",
    "F32_PROFILE",
    "FILE_SUFFIX",
    "FORMAT_VERSION",
    "Event",
    "JsonValue",
    "RecordingReader",
    "RecordingWriter",
    "SensorInfo",
    "decode_f32_samples",
    "encode_f32_samples",
    "iter_sample_chunks",
    "replace_steps",
]
