-- News agencies and other sources each outlet cites, by number of articles.
SELECT d.outlet, s.name AS cited, s.kind, count(DISTINCT d.doc_id) AS articles
FROM cited_sources s JOIN documents d USING (doc_id)
GROUP BY 1, 2, 3
ORDER BY d.outlet, articles DESC, cited;
