"""Tests of the benchmark scripts (report shape only, never timing)."""
