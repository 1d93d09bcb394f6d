-- Stories carried by more than one outlet (near-duplicate clusters) and who published first.
WITH members AS (
    SELECT coalesce(cluster_id, doc_id) AS cluster, doc_id, outlet, title,
           coalesce(published_at, published_date::TIMESTAMPTZ) AS published
    FROM documents
)
SELECT cluster,
       any_value(title) FILTER (WHERE doc_id = cluster) AS title,
       count(DISTINCT outlet) AS outlets,
       list(DISTINCT outlet ORDER BY outlet) AS outlet_list,
       arg_min(outlet, published) AS first_outlet,
       min(published) AS first_published
FROM members
GROUP BY cluster
HAVING count(DISTINCT outlet) > 1
ORDER BY outlets DESC, first_published;
