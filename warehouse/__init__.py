"""warta warehouse."""
