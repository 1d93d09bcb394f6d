"""warta flows."""
