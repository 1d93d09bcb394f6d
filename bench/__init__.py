"""Benchmarks and labelled data for near-duplicate detection (issue 8); not shipped."""
