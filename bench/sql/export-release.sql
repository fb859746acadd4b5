-- the export build's read: release rows in person_key order, as CSV (COPY takes no parameters: the release id is a
-- validated integer inlined by the caller, as with pg's escapeLiteral)
COPY (SELECT person_key, age, sex, geo, period, referral_source, outcome, rereferral
        FROM bench.release_persons WHERE release_id = {release_id} ORDER BY person_key) TO STDOUT (FORMAT csv);
