-- 0007: the cockpit's newest early warnings of a year, the city's and an
-- institution's, by an index in id order, instead of sorting the year's
-- warnings (tens of thousands at a city's scale) to show ten.
-- Keep in step with ../postgres/0007_cockpit_latest.sql: same indexes.
CREATE INDEX loan_warnings_latest ON loan_warnings (year, id);
CREATE INDEX loan_warnings_org_latest ON loan_warnings (org_id, year, id);
