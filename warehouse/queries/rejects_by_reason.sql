-- Why records were rejected, per run, with an example file for each reason.
SELECT run_id, reason, count(*) AS records, any_value(source_uri) AS example, any_value(detail) AS example_detail
FROM rejects
GROUP BY run_id, reason
ORDER BY run_id, records DESC;
