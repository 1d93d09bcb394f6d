-- Who is quoted most, with one example of what they said.
SELECT q.speaker, count(*) AS quotes, count(DISTINCT q.doc_id) AS articles,
       arg_max(q.text, length(q.text)) AS longest_quote
FROM quotes q
WHERE q.speaker IS NOT NULL
GROUP BY q.speaker
ORDER BY quotes DESC, q.speaker
LIMIT 25;
