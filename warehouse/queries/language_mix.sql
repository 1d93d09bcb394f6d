-- Documents per detected language, per outlet.
SELECT coalesce(outlet, '(unknown)') AS outlet, language, count(*) AS documents
FROM documents
GROUP BY 1, 2
ORDER BY 1, documents DESC;
