"""Topic names: ``runsense/v1/<runner>/<kind>``, with the runner slugged so it can never be a wildcard.

The version segment lets a future payload layout live beside this one on the same broker;
subscribers pick a version with their filter (``runsense/v1/#``).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal, get_args

TOPIC_ROOT: Final = "runsense/v1"
DEFAULT_TOPIC: Final = f"{TOPIC_ROOT}/#"
"""What ``runsense log`` subscribes to by default: every runner, every kind."""
Kind = Literal["step", "metrics", "cue", "session", "status"]
KINDS: Final[tuple[Kind, ...]] = get_args(Kind)
MAX_RUNNER_CHARS: Final = 64
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def slug_runner(name: str) -> str:
    """A topic-safe runner id: lower-case ASCII letters, digits, ``-`` and ``_`` only.

    MQTT gives ``+``, ``#`` and ``/`` a meaning in filters, and ``$`` at the start of a
    topic is reserved for the broker, so a runner called ``a/b`` or ``#`` must not become
    part of the topic tree as typed. Accents are folded (``Zoë`` -> ``zoe``) so names stay
    readable; an empty result becomes ``runner``.
    """
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("-", folded.lower()).strip("-_")
    return slug[:MAX_RUNNER_CHARS].rstrip("-_") or "runner"


def topic_for(runner_slug: str, kind: Kind) -> str:
    """The topic a runner's messages of one kind go to."""
    return f"{TOPIC_ROOT}/{runner_slug}/{kind}"


def parse_topic(topic: str) -> tuple[str, Kind] | None:
    """``(runner, kind)`` of a runsense topic, or ``None`` for any other topic."""
    parts = topic.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != TOPIC_ROOT or not parts[2]:
        return None
    kind = parts[3]
    for known in KINDS:
        if kind == known:
            return parts[2], known
    return None
