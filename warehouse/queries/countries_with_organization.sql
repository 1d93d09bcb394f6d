-- Which countries appear in the same articles as each organisation (co-occurrence counts).
WITH orgs AS (
    SELECT DISTINCT doc_id, coalesce(canonical, text) AS organization
    FROM entities WHERE kind = 'organization'
), countries AS (
    SELECT DISTINCT doc_id, country_code FROM entities WHERE country_code IS NOT NULL
)
SELECT o.organization, c.country_code, count(*) AS articles
FROM orgs o JOIN countries c USING (doc_id)
GROUP BY 1, 2
HAVING count(*) >= 2
ORDER BY articles DESC, o.organization, c.country_code
LIMIT 50;
