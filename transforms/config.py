"""Run configuration: thresholds, field names and pattern files, read from a YAML file.

Kept apart from the logic (as in Dagster's examples) so that every transform takes its
settings as an argument and a test can build one in a line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"

# Our column -> names a raw record may use for it, in order of preference.
DEFAULT_FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "judul", "headline", "name"),
    "body": ("content", "text", "body", "isi", "isi_berita", "article", "artikel", "berita"),
    "url": ("url", "link", "tautan", "permalink"),
    "author": ("author", "authors", "penulis", "reporter", "byline"),
    "date": ("date", "tanggal", "tanggal_publikasi", "published", "published_at", "pubdate",
             "waktu", "datetime"),
    "source": ("source", "sumber", "outlet", "media", "site", "sitename"),
}


class ConfigError(ValueError):
    """A config file that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class WartaConfig:
    batch_size: int = 2000                 # records per task and per load (~0.35 s of GX each)
    min_body_chars: int = 200              # shorter cleaned bodies are rejected as too_short
    max_file_bytes: int = 64 * 1024 * 1024  # raw (decompressed) bytes per file
    max_record_bytes: int = 2 * 1024 * 1024  # one record's text
    max_line_bytes: int = 8 * 1024 * 1024  # one JSONL line / CSV field
    boilerplate_file: str = str(DATA_DIR / "boilerplate_patterns.txt")
    field_aliases: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_FIELD_ALIASES)
    )
    follow_symlinks: bool = False
    extract_entities: bool = True          # people/organisations/places, quotes, cited sources
    quality_gate: bool = True              # Great Expectations gate on every batch
    near_duplicates: dict[str, Any] = field(default_factory=dict)  # NearDupConfig overrides
    boilerplate_min_docs: int = 20         # learned boilerplate: recurs in this many stories
    boilerplate_min_share: float = 0.02    # ...and in this share of the outlet's stories
    workers: int = 2                       # batch tasks in flight at once
    # DuckDB spills to disk beyond this and caches table blocks up to it (keeps RSS bounded).
    # 128MB saves ~150 MB at 100k documents but costs ~6% CPU with threads and ~18% wall with
    # processes, where commits are the bottleneck (bench/README.md, session 4).
    duckdb_memory_limit: str = "256MB"

    def near_dup_config(self) -> Any:
        from transforms.near_dupes import NearDupConfig

        return NearDupConfig.from_mapping(self.near_duplicates)

    def with_overrides(self, **overrides: Any) -> WartaConfig:
        """A copy with the given non-None overrides (command-line flags win over the file)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_INT_KEYS = {"batch_size", "min_body_chars", "max_file_bytes", "max_record_bytes",
             "max_line_bytes", "workers", "boilerplate_min_docs"}


def load_config(path: str | Path | None) -> WartaConfig:
    """Parse a YAML config safely; unknown keys and bad values are errors, not surprises."""
    if path is None:
        return WartaConfig()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path} must hold a mapping of keys")
    return config_from_mapping(raw, base_dir=Path(path).parent)


# Sections read by other parts of warta (flows.schedule reads `serve`), not by a run.
OTHER_SECTIONS = ("serve",)


def config_from_mapping(raw: dict[str, Any], base_dir: Path | None = None) -> WartaConfig:
    raw = {k: v for k, v in raw.items() if k not in OTHER_SECTIONS}
    known = {f.name for f in fields(WartaConfig)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"unknown config key(s): {', '.join(unknown)}; known keys: {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _INT_KEYS:
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ConfigError(f"config key {key} must be a positive integer, got {value!r}")
            values[key] = value
        elif key == "duckdb_memory_limit":
            if not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value):
                raise ConfigError(f"config key {key} must look like '512MB' or '2GB', "
                                  f"got {value!r}")
            values[key] = value
        elif key == "boilerplate_min_share":
            if not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ConfigError(f"config key {key} must be a number in (0, 1], got {value!r}")
            values[key] = float(value)
        elif key in ("follow_symlinks", "extract_entities", "quality_gate"):
            if not isinstance(value, bool):
                raise ConfigError(f"config key {key} must be true or false, got {value!r}")
            values[key] = value
        elif key == "boilerplate_file":
            p = Path(str(value))
            if not p.is_absolute() and base_dir is not None:
                p = base_dir / p
            values[key] = _checked_rules_file(p)
        elif key == "field_aliases":
            values[key] = _merge_aliases(value)
        elif key == "near_duplicates":
            values[key] = _near_dup_settings(value)
    return WartaConfig(**values)


def _checked_rules_file(path: Path) -> str:
    """Read the pattern file now: read in the batch tasks, a missing file or a bad regex made
    every record an 'internal error' reject, and its files were ledgered as read."""
    from transforms.cleaning import load_boilerplate_rules

    try:
        load_boilerplate_rules(str(path))
    except OSError as exc:
        raise ConfigError(f"config key boilerplate_file: cannot read {path}: "
                          f"{exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config key boilerplate_file: {exc}") from exc
    return str(path)


def _merge_aliases(value: Any) -> dict[str, tuple[str, ...]]:
    """User names come first, the defaults stay as fallbacks."""
    if not isinstance(value, dict):
        raise ConfigError("config key field_aliases must map a column to a list of names")
    merged = dict(DEFAULT_FIELD_ALIASES)
    for column, names in value.items():
        if column not in DEFAULT_FIELD_ALIASES:
            raise ConfigError(
                f"field_aliases: unknown column {column!r}; columns: "
                + ", ".join(DEFAULT_FIELD_ALIASES)
            )
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"field_aliases.{column} must be a name or a list of names")
        merged[column] = tuple(n.lower() for n in names) + tuple(
            n for n in DEFAULT_FIELD_ALIASES[column] if n not in names
        )
    return merged


def _near_dup_settings(value: Any) -> dict[str, Any]:
    """Validated eagerly so a typo fails before the run, not in the middle of it."""
    from transforms.near_dupes import NearDupConfig

    if not isinstance(value, dict):
        raise ConfigError("config key near_duplicates must be a mapping")
    known = set(NearDupConfig.__dataclass_fields__)
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(f"near_duplicates: unknown key(s) {', '.join(unknown)}; known: "
                          + ", ".join(sorted(known)))
    try:
        NearDupConfig.from_mapping(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"near_duplicates: {exc}") from exc
    return dict(value)
