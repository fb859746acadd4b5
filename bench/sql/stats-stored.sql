-- a stored catalogue answer (computed from the rollup when the release was published, or on first use)
SELECT cells FROM bench.stats_catalogue WHERE release_id = :release_id::smallint AND table_code = :table_code;
