-- Countries mentioned in the most articles in the last 30 days of the corpus (ISO 3166-1 code).
WITH period AS (SELECT max(published_date) - INTERVAL 30 DAY AS since FROM documents)
SELECT e.country_code, any_value(coalesce(e.canonical, e.text)) AS example_name,
       count(DISTINCT coalesce(d.cluster_id, d.doc_id)) AS articles
FROM entities e JOIN documents d USING (doc_id), period
WHERE e.country_code IS NOT NULL AND d.published_date >= period.since
GROUP BY e.country_code
ORDER BY articles DESC, e.country_code
LIMIT 25;
