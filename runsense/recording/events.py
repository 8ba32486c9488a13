"""How analysis outputs other than steps are stored as recording events (kind + JSON payload)."""

from __future__ import annotations

from runsense.model import Cue, CueKind
from runsense.recording.format import Event

CUE_KIND = "cue"


def cue_event(cue: Cue) -> Event:
    """A cue as a recording event: the payload keeps every field, units in the names."""
    return Event(
        t_s=cue.t_s,
        kind=CUE_KIND,
        payload={
            "cue": cue.kind.value,
            "message": cue.message,
            "reason": cue.reason,
            "cadence_spm": cue.cadence_spm,
            "target_low_spm": cue.target_low_spm,
            "target_high_spm": cue.target_high_spm,
        },
    )


def cue_from_event(event: Event) -> Cue:
    """Back from a stored event (a ``ValueError`` names what is missing)."""
    payload = event.payload
    if event.kind != CUE_KIND or not isinstance(payload, dict):
        raise ValueError(f"event at {event.t_s:.3f} s is not a cue")
    try:
        cadence = payload["cadence_spm"]
        return Cue(
            t_s=event.t_s,
            kind=CueKind(str(payload["cue"])),
            message=str(payload["message"]),
            cadence_spm=None if cadence is None else float(cadence),  # type: ignore[arg-type]
            target_low_spm=float(payload["target_low_spm"]),  # type: ignore[arg-type]
            target_high_spm=float(payload["target_high_spm"]),  # type: ignore[arg-type]
            reason=str(payload["reason"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ValueError(f"cue event at {event.t_s:.3f} s is incomplete ({exc})") from None
