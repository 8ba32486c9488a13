"""Tests of the offline evaluation package and the accuracy benchmark."""
