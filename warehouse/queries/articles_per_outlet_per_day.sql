-- Articles per outlet per publication day (one row per story: near-duplicate copies count once).
SELECT outlet, published_date, count(*) AS articles
FROM articles
WHERE published_date IS NOT NULL
GROUP BY outlet, published_date
ORDER BY published_date DESC, articles DESC, outlet;
