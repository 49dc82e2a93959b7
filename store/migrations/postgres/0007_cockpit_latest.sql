-- 0007: indexes for the cockpit at a city's scale. The newest early
-- warnings of a year, the city's and an institution's, by an index in id
-- order, instead of sorting the year's warnings (tens of thousands) to show
-- ten.
-- Keep in step with ../sqlite/0007_cockpit_latest.sql: same indexes.
CREATE INDEX loan_warnings_latest ON loan_warnings (year, id);
CREATE INDEX loan_warnings_org_latest ON loan_warnings (org_id, year, id);

-- The financing loop's sums per project and borrower from the index alone,
-- in its order (it replaces the index on project_id, its prefix).
DROP INDEX project_loans_project;
CREATE INDEX project_loans_finance ON project_loans (project_id, borrower_id, amount, start_date);
