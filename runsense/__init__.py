"""runsense: real-time running-form feedback (cadence, impact, contact time) from wearable sensors."""

__version__ = "0.1.0"
__all__ = ["__version__"]
