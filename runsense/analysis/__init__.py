"""The functional core: pure, synchronous analysis of sample streams.

Nothing in this package may import asyncio, bleak, textual, aiomqtt or read a clock
(tests/analysis/test_purity.py enforces it). Every stage is ``feed(chunk) -> events``
plus ``finish()``; settings are frozen dataclasses with units in their names.

| module | in | out |
|---|---|---|
| contacts.py | acceleration samples of one segment | ``Contact`` (sample index of initial contact, impact) |
| cadence.py | contact times | ``CadenceUpdate`` (steps/min, robust to a missed or extra contact) |
| analyser.py | ``SampleChunk`` (any chunking, gaps allowed) | ``Step`` |
| batch.py | a whole recorded stream of ``SampleChunk`` | ``StepTable``: the same steps, as columns |
"""

from runsense.analysis.analyser import ANALYSER_VERSION, Analyser
from runsense.analysis.batch import StepTable, analyse_chunks
from runsense.analysis.cues import CueEngine, CueSettings
from runsense.analysis.settings import AnalyserSettings

__all__ = [
    "ANALYSER_VERSION",
    "Analyser",
    "AnalyserSettings",
    "CueEngine",
    "CueSettings",
    "StepTable",
    "analyse_chunks",
]
