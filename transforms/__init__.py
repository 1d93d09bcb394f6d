"""warta transforms."""
