"""The bundled analyst queries (warehouse/queries/*.sql): each file's first line says what it
answers, so `warta queries` can list them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

QUERY_DIR = Path(__file__).parent / "queries"


@dataclass(frozen=True)
class BundledQuery:
    name: str
    description: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def bundled_queries() -> list[BundledQuery]:
    queries = []
    for path in sorted(QUERY_DIR.glob("*.sql")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        queries.append(BundledQuery(path.stem, first.lstrip("-").strip(), path))
    return queries


def resolve_query_file(name_or_path: str) -> Path:
    """A path to a .sql file, or the name of a bundled query."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for query in bundled_queries():
        if query.name == name_or_path.removesuffix(".sql"):
            return query.path
    names = ", ".join(q.name for q in bundled_queries())
    raise FileNotFoundError(f"no SQL file {name_or_path}; bundled queries: {names}")
