-- People mentioned in the most articles in the last 30 days of the corpus (edit the interval).
WITH period AS (SELECT max(published_date) - INTERVAL 30 DAY AS since FROM documents)
SELECT coalesce(e.canonical, e.text) AS person,
       count(DISTINCT coalesce(d.cluster_id, d.doc_id)) AS articles,
       count(*) AS mentions
FROM entities e JOIN documents d USING (doc_id), period
WHERE e.kind = 'person' AND d.published_date >= period.since
GROUP BY 1
ORDER BY articles DESC, mentions DESC, person
LIMIT 25;
