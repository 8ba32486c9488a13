"""The live pipeline: sources of raw packets, the session model they update, and its runners."""
