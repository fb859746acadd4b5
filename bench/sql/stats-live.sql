-- counting step of a new ad-hoc table, month × district × age band × outcome group, over the narrow release rows
-- (max_parallel_workers_per_gather = 1 and the statement timeout come from the database settings of the run)
SELECT rp.period, g.district, bench.age_l2(rp.age) AS age_band, bench.outcome_l1(rp.outcome) AS outcome_group, count(*)::int AS n
  FROM bench.release_persons rp JOIN bench.geo_district g ON g.geo = rp.geo
 WHERE rp.release_id = :release_id::smallint
 GROUP BY 1, 2, 3, 4;
