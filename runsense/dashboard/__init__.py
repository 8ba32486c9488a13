"""The Textual dashboard: a sink that reads the session's snapshot at a bounded rate."""
