-- corpus.sql - sqlite3 for dune_corpus_test: tables, an index, a join,
-- aggregates, a transaction, a recursive CTE.
CREATE TABLE city(id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE temp(city INTEGER REFERENCES city(id), month INTEGER, celsius REAL);
CREATE INDEX temp_city ON temp(city);
BEGIN;
INSERT INTO city(name, country) VALUES ('Lyon', 'FR'), ('Oslo', 'NO'), ('Lima', 'PE');
WITH RECURSIVE m(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM m WHERE x < 12)
INSERT INTO temp SELECT c.id, m.x, (c.id * 7 + m.x * 3) % 31 - 5 FROM city c, m;
COMMIT;
SELECT c.name, count(*), round(avg(t.celsius), 2), max(t.celsius)
  FROM city c JOIN temp t ON t.city = c.id GROUP BY c.id ORDER BY c.name;
SELECT group_concat(month) FROM temp WHERE celsius < 0;
PRAGMA integrity_check;
