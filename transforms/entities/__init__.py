"""Entities, quotations and cited sources in a cleaned news body.

`extract_entities` (`extract_entities_batch` for many bodies at once, cheaper per body),
`extract_quotes` and `extract_cited_sources` all take the final body
("\\n\\n".join(paragraphs)) and return offsets into it. `score_iob_file` scores the NER model on
any IOB file (the `warta eval ner FILE` command prints its result as JSON).
"""

from __future__ import annotations

from transforms.entities.ner import extract_entities, extract_entities_batch, score_iob_file

__all__ = [
    "extract_entities",
    "extract_entities_batch",
    "extract_quotes",
    "extract_cited_sources",
    "score_iob_file",
]


def extract_quotes(body: str, entities: list[dict]) -> list[dict]:
    """Quoted statements with their speakers (see transforms.entities.quotes)."""
    from transforms.entities.quotes import extract_quotes as _impl

    return _impl(body, entities)


def extract_cited_sources(body: str) -> list[dict]:
    """News agencies, newspapers and platforms the story cites (see transforms.entities.sources)."""
    from transforms.entities.sources import extract_cited_sources as _impl

    return _impl(body)
