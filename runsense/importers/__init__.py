"""Importers that turn files from other tools (CSV...) into runsense recordings."""
