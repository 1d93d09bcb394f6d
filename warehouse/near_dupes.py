"""Near-duplicate linking against the whole history, and corpus-learned boilerplate.

Runs inside the loader's batch transaction, after the batch's `documents` rows are in:

    store_minhash(con, batch_id, signature_table(...), cfg=cfg)   # or sign_batch(con, ...)
    stats = link_batch(con, batch_id, run_id, cfg)

`near_dup_hook(cfg)` bundles both for `Warehouse.add_after_insert_hook`; it signs the batch
from `documents.body` when the pipeline did not stage signatures (so a lake rebuild works too).

Clusters: every linked document has `cluster_id` = the doc_id of its cluster's canonical
member; a document with no near-duplicate is its own cluster (cluster_id = doc_id), so
`count(DISTINCT cluster_id)` counts stories. The canonical member is the earliest published
(published_date, then published_at; undated last), then the longest (n_chars), then the
smallest doc_id. Every other member has one `duplicates` row of kind 'near' with its
estimated Jaccard to the canonical member.

Cost per batch: finding the batch's band rows is a seq-range read (zone maps); the candidate
join then probes every stored band key once (DuckDB uses no index for joins): ~6 ns of CPU
per stored band row, i.e. ~40 ms per batch at 200,000 stored documents. Everything after it
touches only the candidates and their clusters, plus a few scans of narrow columns of
`documents`. Measured (bench/link_scaling.py, one batch of 1,000 documents with 1,349
confirmed pairs): 125 ms CPU against 100,000 stored documents, 130-150 ms against 200,000.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from transforms.near_dupes import (
    NearDupConfig,
    UnionFind,
    band_table,
    pair_similarity,
    paragraph_hash,
    signature_blobs,
    signature_table,
    signatures_to_matrix,
)

__all__ = [
    "store_minhash",
    "sign_batch",
    "link_batch",
    "near_dup_hook",
    "check_settings",
    "learn_boilerplate",
    "boilerplate_hashes",
]


class NearDupSettingsError(RuntimeError):
    """Stored signatures were made with other settings; matching them would be meaningless."""


def check_settings(con: duckdb.DuckDBPyConnection, cfg: NearDupConfig) -> None:
    """Record the signature settings on first use; refuse a different set later."""
    rows = con.execute("SELECT fingerprint FROM minhash_settings").fetchall()
    if not rows:
        con.execute("INSERT INTO minhash_settings VALUES (?, ?)", [cfg.fingerprint, datetime.now(UTC)])
        return
    stored = {r[0] for r in rows}
    if cfg.fingerprint not in stored:
        raise NearDupSettingsError(
            f"minhash rows were made with {sorted(stored)}, this run uses {cfg.fingerprint}; "
            "keep the stored num_perm/seed/shingle_size/bands/rows (threshold may change) "
            "or re-sign the history"
        )


def store_minhash(con: duckdb.DuckDBPyConnection, batch_id: str, signatures: pa.Table,
                  bands: pa.Table | None = None, cfg: NearDupConfig | None = None) -> int:
    """Insert a batch's signatures and band keys (bands computed from cfg when not given).

    Documents get the next seq numbers in signature-table order; band rows refer to them.
    """
    cfg = cfg or NearDupConfig()
    check_settings(con, cfg)
    if bands is None:
        bands = band_table(signatures, cfg)
    if "n_shingles" not in signatures.column_names:
        signatures = signatures.append_column(
            "n_shingles", pa.array([cfg.num_perm] * signatures.num_rows, pa.int32()))
    base = con.execute("SELECT coalesce(max(seq), 0) FROM minhash_signatures").fetchall()[0][0]
    sig_in = pa.table({
        "doc_id": signatures.column("doc_id"),
        "signature": signature_blobs(signatures.column("signature"), cfg.num_perm),
        "n_shingles": signatures.column("n_shingles"),
        "seq": pa.array(np.arange(base + 1, base + 1 + signatures.num_rows, dtype=np.int64)),
    })
    band_in = bands.select(["key", "band", "doc_id"])
    con.register("_nd_sig_in", sig_in)
    con.register("_nd_band_in", band_in)
    try:
        con.execute("INSERT INTO minhash_signatures (doc_id, seq, signature, n_shingles, batch_id) "
                    "SELECT doc_id, seq, signature, n_shingles, ? FROM _nd_sig_in",
                    [batch_id])
        con.execute("INSERT INTO minhash_bands (key, seq, band) SELECT b.key, s.seq, b.band "
                    "FROM _nd_band_in b JOIN _nd_sig_in s ON s.doc_id = b.doc_id "
                    "ORDER BY s.seq, b.band")
    finally:
        con.unregister("_nd_sig_in")
        con.unregister("_nd_band_in")
    return sig_in.num_rows


def sign_batch(con: duckdb.DuckDBPyConnection, batch_id: str, cfg: NearDupConfig) -> int:
    """Sign the batch's documents that have no signature yet, from `documents.body`."""
    tbl = con.sql(
        "SELECT d.doc_id, d.body FROM documents d WHERE d.batch_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM minhash_signatures s WHERE s.batch_id = ? AND s.doc_id = d.doc_id) "
        "ORDER BY d.doc_id", params=[batch_id, batch_id]).to_arrow_table()
    if tbl.num_rows == 0:
        return 0
    sigs = signature_table(tbl.column("doc_id").to_pylist(), tbl.column("body").combine_chunks(), cfg)
    return store_minhash(con, batch_id, sigs, cfg=cfg)


def _candidates(con: duckdb.DuckDBPyConnection, batch_id: str, max_bucket: int) -> pa.Table:
    """Distinct (a < b) doc pairs sharing a band key, at least one of them in the batch.

    A key shared by more than max_bucket stored documents (a text made mostly of one
    outlet's boilerplate) is skipped: it would add max_bucket pairs per document and almost
    none of them confirm; real copies still meet on their other bands. Crowded is decided
    when a batch is linked, so for a key near the bound the pairs it gives can depend on
    how the documents were batched (links made before it got crowded stay); copies that
    share only that one key are the ones this can change.
    """
    return con.sql("""
        WITH span AS (
            SELECT min(seq) AS lo, max(seq) AS hi FROM minhash_signatures WHERE batch_id = $batch),
        mine AS (
            SELECT b.key, b.seq FROM minhash_bands b, span WHERE b.seq BETWEEN span.lo AND span.hi),
        joined AS (
            SELECT m.seq AS ms, h.seq AS hs, count(*) OVER (PARTITION BY m.key, m.seq) AS bucket
            FROM mine m JOIN minhash_bands h ON h.key = m.key),
        pairs AS (
            SELECT DISTINCT least(ms, hs) AS sa, greatest(ms, hs) AS sb FROM joined
            WHERE ms <> hs AND bucket <= $max_bucket + 1)
        SELECT sa, sb FROM pairs ORDER BY sa, sb""",
        params={"batch": batch_id, "max_bucket": max_bucket}).to_arrow_table()


def _by_seq(con: duckdb.DuckDBPyConnection, seqs: np.ndarray,
            cfg: NearDupConfig) -> tuple[dict[int, int], list[str], np.ndarray]:
    """doc_id and signature of some seq numbers: (seq -> row, doc_ids, matrix)."""
    con.register("_nd_seqs", pa.table({"seq": pa.array(seqs, pa.int64())}))
    try:
        tbl = con.sql("SELECT s.seq, s.doc_id, s.signature FROM minhash_signatures s "
                      "SEMI JOIN _nd_seqs q ON q.seq = s.seq ORDER BY s.seq").to_arrow_table()
    finally:
        con.unregister("_nd_seqs")
    row = {int(q): i for i, q in enumerate(tbl.column("seq").to_numpy())}
    return (row, tbl.column("doc_id").to_pylist(),
            signatures_to_matrix(tbl.column("signature"), cfg.num_perm))


def _signatures(con: duckdb.DuckDBPyConnection, doc_ids: list[str],
                cfg: NearDupConfig) -> tuple[dict[str, int], np.ndarray]:
    """Stored signatures of some documents: (doc_id -> row, matrix)."""
    con.register("_nd_ids", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
    try:
        tbl = con.sql("SELECT s.doc_id, s.signature FROM minhash_signatures s "
                          "SEMI JOIN _nd_ids i ON i.doc_id = s.doc_id").to_arrow_table()
    finally:
        con.unregister("_nd_ids")
    ids = tbl.column("doc_id").to_pylist()
    return {d: i for i, d in enumerate(ids)}, signatures_to_matrix(tbl.column("signature"), cfg.num_perm)


def _members(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> pa.Table:
    """The given documents and every member of their current clusters, with ranking fields."""
    con.register("_nd_ids", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
    try:
        return con.sql("""
            WITH seed AS (
                SELECT d.doc_id, coalesce(d.cluster_id, d.doc_id) AS cluster_id
                FROM documents d SEMI JOIN _nd_ids i ON i.doc_id = d.doc_id),
            ids AS (
                SELECT doc_id FROM seed
                UNION
                SELECT d.doc_id FROM documents d SEMI JOIN seed s ON s.cluster_id = d.cluster_id)
            SELECT d.doc_id, coalesce(d.cluster_id, d.doc_id) AS cluster_id, d.source_uri,
                   d.record_index, d.published_date, d.published_at, d.n_chars, d.batch_id
            FROM documents d SEMI JOIN ids ON ids.doc_id = d.doc_id
            ORDER BY d.doc_id""").to_arrow_table()
    finally:
        con.unregister("_nd_ids")


def _canonical_order(members: pa.Table) -> list[str]:
    """doc_ids best-first: earliest date, earliest time, longest, smallest id."""
    rows = members.select(["doc_id", "published_date", "published_at", "n_chars"]).to_pylist()

    def key(r: dict[str, Any]) -> tuple:
        date, at = r["published_date"], r["published_at"]
        return (date is None, date or 0, at is None, at.timestamp() if at else 0.0,
                -(r["n_chars"] or 0), r["doc_id"])

    return [r["doc_id"] for r in sorted(rows, key=key)]


def link_batch(con: duckdb.DuckDBPyConnection, batch_id: str, run_id: str,
               cfg: NearDupConfig) -> dict[str, Any]:
    """Link the batch's documents to near-duplicates anywhere in the warehouse.

    Needs the batch's rows in `documents`, `minhash_signatures` and `minhash_bands`; runs in
    the caller's transaction. Returns counts and per-step seconds.
    """
    t0 = time.perf_counter()
    stats: dict[str, Any] = {"candidates": 0, "confirmed": 0, "clusters_touched": 0,
                             "documents_relinked": 0, "near_duplicates": 0}
    # Singletons are their own cluster; only rows still unlinked are touched.
    con.execute("UPDATE documents SET cluster_id = doc_id WHERE batch_id = ? AND cluster_id IS NULL",
                [batch_id])
    cand = _candidates(con, batch_id, cfg.max_bucket)
    t1 = time.perf_counter()
    stats["candidates"] = cand.num_rows
    if cand.num_rows == 0:
        stats["seconds"] = {"candidates": t1 - t0}
        return stats
    sa, sb = cand.column("sa").to_numpy(), cand.column("sb").to_numpy()
    row, names, sig = _by_seq(con, np.union1d(sa, sb), cfg)
    left = np.array([row[int(q)] for q in sa], dtype=np.int64)
    right = np.array([row[int(q)] for q in sb], dtype=np.int64)
    sims = pair_similarity(sig, left, right)
    keep = np.flatnonzero(sims >= cfg.threshold)
    confirmed = sorted((min(names[left[i]], names[right[i]]), max(names[left[i]], names[right[i]]))
                       for i in keep)
    stats["confirmed"] = len(confirmed)
    t2 = time.perf_counter()
    if not confirmed:
        stats["seconds"] = {"candidates": t1 - t0, "confirm": t2 - t1}
        return stats

    # Connected components of the new pairs plus the clusters their members already had.
    touched = sorted({d for p in confirmed for d in p})
    members = _members(con, touched)
    uf = UnionFind()
    for doc, cluster in zip(members.column("doc_id").to_pylist(),
                            members.column("cluster_id").to_pylist(), strict=True):
        uf.union(cluster, doc)
    for a, b in confirmed:
        uf.union(a, b)
    by_id = {r["doc_id"]: r for r in members.to_pylist()}
    old_cluster = {d: r["cluster_id"] for d, r in by_id.items()}
    order = _canonical_order(members)
    rank = {d: i for i, d in enumerate(order)}
    groups = [sorted((d for d in g if d in by_id), key=rank.__getitem__) for g in uf.groups()]
    groups = [g for g in groups if len(g) > 1]
    stats["clusters_touched"] = len(groups)

    all_members = sorted(d for g in groups for d in g)
    m_index, m_sig = _signatures(con, all_members, cfg)
    new_cluster = {d: g[0] for g in groups for d in g}
    # Similarity of every non-canonical member to its canonical member, in one numpy call.
    pairs = [(d, g[0]) for g in groups for d in g[1:] if d in m_index and g[0] in m_index]
    sims_c = pair_similarity(m_sig, np.array([m_index[d] for d, _ in pairs], dtype=np.int64),
                             np.array([m_index[c] for _, c in pairs], dtype=np.int64))
    sim_of = dict(zip((d for d, _ in pairs), sims_c.tolist(), strict=True))
    dup_rows = [{"doc_id": d, "source_uri": by_id[d]["source_uri"],
                 "record_index": by_id[d]["record_index"], "canonical_doc_id": g[0],
                 "kind": "near", "similarity": sim_of.get(d), "run_id": run_id,
                 "batch_id": batch_id}
                for g in groups for d in g[1:]]
    changed = sorted(d for d, c in new_cluster.items() if old_cluster.get(d) != c)
    stats["documents_relinked"] = len(changed)
    stats["near_duplicates"] = len(dup_rows)
    t3 = time.perf_counter()
    _write_links(con, batch_id, {d: new_cluster[d] for d in changed},
                 {d for d in changed if by_id[d]["batch_id"] == batch_id}, all_members, dup_rows)
    t4 = time.perf_counter()
    stats["seconds"] = {"candidates": t1 - t0, "confirm": t2 - t1, "clusters": t3 - t2,
                        "write": t4 - t3}
    return stats


_DUP_SCHEMA = pa.schema([
    ("doc_id", pa.string()), ("source_uri", pa.string()), ("record_index", pa.int64()),
    ("canonical_doc_id", pa.string()), ("kind", pa.string()), ("similarity", pa.float64()),
    ("run_id", pa.string()), ("batch_id", pa.string()),
])


def _write_links(con: duckdb.DuckDBPyConnection, batch_id: str, cluster_of: dict[str, str],
                 in_batch: set[str], members: list[str], dup_rows: list[dict[str, Any]]) -> None:
    """Set cluster_id where it changed and replace the 'near' rows of the touched clusters.

    The batch's own documents are updated through a batch_id filter (a few row groups);
    only older documents whose canonical member changed need a join over all documents.
    """
    new = {d: c for d, c in cluster_of.items() if d in in_batch}
    old = {d: c for d, c in cluster_of.items() if d not in in_batch}
    touched = pa.table({"doc_id": pa.array(members, pa.string())})
    dups = pa.Table.from_pylist(sorted(dup_rows, key=lambda r: r["doc_id"]), schema=_DUP_SCHEMA)
    con.register("_nd_touched", touched)
    con.register("_nd_dups", dups)
    try:
        for links, where in ((new, "documents.batch_id = $batch AND "), (old, "")):
            if not links:
                continue
            con.register("_nd_links", pa.table({
                "doc_id": pa.array(list(links), pa.string()),
                "cluster_id": pa.array(list(links.values()), pa.string())}))
            con.execute("UPDATE documents SET cluster_id = l.cluster_id FROM _nd_links l "
                        f"WHERE {where}documents.doc_id = l.doc_id",
                        {"batch": batch_id} if where else {})
            con.unregister("_nd_links")
        # Canonical members lose their 'near' row; the others get theirs (re)written.
        con.execute("DELETE FROM duplicates WHERE kind = 'near' AND doc_id IN "
                    "(SELECT doc_id FROM _nd_touched) AND doc_id NOT IN (SELECT doc_id FROM _nd_dups)")
        con.execute("""
            INSERT INTO duplicates BY NAME SELECT * FROM _nd_dups
            ON CONFLICT (doc_id, kind) DO UPDATE SET
                source_uri = excluded.source_uri, record_index = excluded.record_index,
                canonical_doc_id = excluded.canonical_doc_id, similarity = excluded.similarity,
                run_id = excluded.run_id, batch_id = excluded.batch_id""")
    finally:
        for name in ("_nd_touched", "_nd_dups"):
            con.unregister(name)


def near_dup_hook(cfg: NearDupConfig | None = None,
                  on_stats: Callable[[str, dict[str, Any]], None] | None = None
                  ) -> Callable[[duckdb.DuckDBPyConnection, str, str], None]:
    """A loader after-insert hook: sign what the pipeline did not, then link the batch."""
    cfg = cfg or NearDupConfig()

    def hook(con: duckdb.DuckDBPyConnection, batch_id: str, run_id: str) -> None:
        check_settings(con, cfg)
        signed = sign_batch(con, batch_id, cfg)
        stats = link_batch(con, batch_id, run_id, cfg)
        stats["signed_in_loader"] = signed
        if on_stats is not None:
            on_stats(batch_id, stats)

    return hook


# ---------------------------------------------------------------------------------------
# Corpus-learned boilerplate. Learning reads paragraphs.paragraph_hash (Python-computed).
# PARAGRAPH_HASH_SQL is the same hash in SQL for ad-hoc queries (lower(), runs of ASCII
# whitespace -> one space, trimmed, md5 hex); it differs from Python's on 'İ' and final sigma.

PARAGRAPH_HASH_SQL = (
    "md5(trim(regexp_replace(lower({col}), '[ \\t\\n\\r\\f\\v]+', ' ', 'g'), ' '))"
)


def learn_boilerplate(con: duckdb.DuckDBPyConnection, min_docs: int = 20,
                      min_share: float = 0.02, incremental: bool = True,
                      learned_at: datetime | None = None) -> int:
    """Mark paragraphs that recur in >= min_docs clusters and >= min_share of an outlet's
    clusters as that outlet's boilerplate; returns how many rows were added or raised.

    Counting clusters, not documents, keeps a story syndicated many times from looking like
    a footer. Existing rows are only raised, never removed (see 040_near_dupes.sql).
    Defaults checked on news_id_2025 (scripts/eval_near_dupes.py): they learn "SCROLL TO
    CONTINUE WITH CONTENT", "[Gambas:Video 20detik]", "Advertisement", "Baca Juga" and
    re-posting outlets' footers, and no story paragraph.

    Incremental (the default) recounts, over the whole history, only the paragraphs of batches
    not yet learned (`boilerplate_learned_batches`): a paragraph's cluster count rises only
    through new documents that hold it, so the cost follows the new batches, not the
    warehouse (100k documents: 9.7 s for a full recount before hashes were stored, 5.7 s
    after, 0.19 s for one new batch of 4,000 documents). Not recounted: a paragraph whose
    share of its outlet rises only because a merge of that outlet's clusters shrank the
    outlet (a full recount catches it; `warta rebuild` replays the passes kept in the lake
    and recounts only for a lake written before they were kept).
    """
    now = learned_at or datetime.now(UTC)
    _fill_paragraph_hashes(con)
    params: dict[str, Any] = {"min_docs": min_docs, "min_share": min_share}
    scope = ""  # a full recount reads every paragraph once
    if incremental:
        scope = """AND p.paragraph_hash IN (
                    SELECT q.paragraph_hash FROM paragraphs q JOIN documents r
                    ON r.doc_id = q.doc_id WHERE r.outlet IS NOT NULL AND r.batch_id NOT IN (
                        SELECT batch_id FROM boilerplate_learned_batches))"""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _nd_learned AS
            WITH para AS (
                SELECT d.outlet, coalesce(d.cluster_id, d.doc_id) AS cluster_id,
                       p.paragraph_hash, p.text
                FROM paragraphs p JOIN documents d ON d.doc_id = p.doc_id
                WHERE d.outlet IS NOT NULL {scope}),
            counted AS (
                SELECT outlet, paragraph_hash, count(DISTINCT cluster_id) AS n_docs,
                       min(text) AS example
                FROM para GROUP BY outlet, paragraph_hash
                HAVING count(DISTINCT cluster_id) >= $min_docs),
            outlet_size AS (
                SELECT outlet, count(DISTINCT coalesce(cluster_id, doc_id)) AS n
                FROM documents WHERE outlet IN (SELECT outlet FROM counted) GROUP BY outlet)
            SELECT c.outlet, c.paragraph_hash, c.n_docs, c.n_docs / s.n AS share, c.example
            FROM counted c JOIN outlet_size s USING (outlet)
            WHERE c.n_docs / s.n >= $min_share""", params)
        n = con.execute("""
            SELECT count(*) FROM _nd_learned l LEFT JOIN boilerplate_paragraphs b
                USING (outlet, paragraph_hash)
            WHERE b.n_docs IS NULL OR l.n_docs > b.n_docs""").fetchall()[0][0]
        con.execute("""
            INSERT INTO boilerplate_paragraphs
            SELECT outlet, paragraph_hash, n_docs, share, example, ? FROM _nd_learned
            ON CONFLICT (outlet, paragraph_hash) DO UPDATE SET
                n_docs = greatest(boilerplate_paragraphs.n_docs, excluded.n_docs),
                share = excluded.share,
                learned_at = CASE WHEN excluded.n_docs > boilerplate_paragraphs.n_docs
                                  THEN excluded.learned_at
                                  ELSE boilerplate_paragraphs.learned_at END
            """, [now])
        # Every committed batch, also one without documents (all rejects or duplicates):
        # listing only the batches of documents left those out for ever, and each run
        # began with a learning pass over the whole warehouse for them.
        con.execute("""
            INSERT INTO boilerplate_learned_batches
            SELECT batch_id, ? FROM (SELECT batch_id FROM batches
                                     UNION SELECT batch_id FROM documents)
            WHERE batch_id NOT IN (SELECT batch_id FROM boilerplate_learned_batches)""", [now])
        con.execute("DROP TABLE _nd_learned")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(n)


def _fill_paragraph_hashes(con: duckdb.DuckDBPyConnection, chunk: int = 50_000) -> None:
    """Hash paragraphs stored without one (schema < 4, old lake files) with the same Python
    function the batch tasks use: DuckDB's lower() differs from Python's on a few letters
    ('İ', final sigma), so an SQL hash would split one paragraph in two."""
    while True:
        rows = con.execute("SELECT doc_id, position, text FROM paragraphs "
                           "WHERE paragraph_hash IS NULL LIMIT ?", [chunk]).fetchall()
        if not rows:
            return
        fill = pa.table({"doc_id": [r[0] for r in rows], "position": [r[1] for r in rows],
                         "paragraph_hash": [paragraph_hash(r[2]) for r in rows]})
        con.register("_nd_fill", fill)
        try:
            con.execute("UPDATE paragraphs SET paragraph_hash = f.paragraph_hash FROM _nd_fill f "
                        "WHERE paragraphs.doc_id = f.doc_id AND paragraphs.position = f.position")
        finally:
            con.unregister("_nd_fill")


def boilerplate_hashes(con: duckdb.DuckDBPyConnection,
                       outlet: str | None = None) -> dict[str, frozenset[str]]:
    """Learned boilerplate per outlet ({outlet: hashes}); pass outlet to get just one."""
    sql = "SELECT outlet, paragraph_hash FROM boilerplate_paragraphs"
    params: list[Any] = []
    if outlet is not None:
        sql += " WHERE outlet = ?"
        params.append(outlet)
    out: dict[str, set[str]] = {}
    for o, h in con.execute(sql + " ORDER BY 1, 2", params).fetchall():
        out.setdefault(o, set()).add(h)
    return {o: frozenset(h) for o, h in out.items()}
