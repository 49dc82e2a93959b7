-- 0005: the cockpit (可视化驾驶舱): maintained summaries and indexes, so that
-- its aggregates over a city's full data are indexed reads.
-- Keep in step with ../sqlite/0005_cockpit.sql: same tables, columns and indexes.

-- The carbon accounts of a year summed by county, grade (0: none), level and
-- data quality: replaced whenever the year's accounts are computed.
CREATE TABLE account_cells (
    year      INTEGER NOT NULL,
    division  TEXT    NOT NULL,
    grade     INTEGER NOT NULL,
    level     TEXT    NOT NULL,
    quality   TEXT    NOT NULL,
    accounts  INTEGER NOT NULL,
    emissions DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (year, division, grade, level, quality)
);

-- An account's relative change of intensity from the year before,
-- (L − L_prev) / L_prev; NULL without both. Kept when either year is
-- computed; the fastest improvers are the lowest.
ALTER TABLE accounts ADD COLUMN intensity_change DOUBLE PRECISION;

CREATE INDEX accounts_emissions ON accounts (year, emissions, division, grade, org_id, intensity, intensity_change);
CREATE INDEX accounts_improvers ON accounts (year, intensity_change, division, grade, org_id, intensity, emissions);
CREATE INDEX accounts_summary ON accounts (year, division, grade, level, quality, emissions);
CREATE INDEX loans_borrower_id ON loans (borrower_id, month);
CREATE INDEX loans_project ON loans (org_id, loan_id, month) WHERE project_id IS NOT NULL;
CREATE INDEX loan_warnings_year ON loan_warnings (year, org_id, action, decision, reasons);
CREATE INDEX projects_summary ON projects (status, county, org_id, investment, financing_need, annual_tco2);
-- Lenders read borrowers' carbon performance in bulk: from the index, not the
-- wide rows with their detail.
CREATE INDEX accounts_performance ON accounts (org_id, year, grade, level, intensity, quality, emissions);

-- Fill both from the accounts there are.
INSERT INTO account_cells (year, division, grade, level, quality, accounts, emissions)
    SELECT year, division, COALESCE(grade, 0), level, quality, COUNT(*), SUM(emissions)
    FROM accounts GROUP BY year, division, COALESCE(grade, 0), level, quality;
UPDATE accounts SET intensity_change = (
    SELECT (accounts.intensity - b.intensity) / b.intensity FROM accounts b
    WHERE b.org_id = accounts.org_id AND b.year = accounts.year - 1 AND b.intensity > 0);

-- The version of the statistics cells (loan_cells): raised in every
-- transaction that changes them, so that a server may keep the cells it
-- read until the version moves.
CREATE TABLE loan_cells_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO loan_cells_version (id, version) VALUES (1, 1);

-- Each loan of a library project once, as of the latest month-end it was
-- reported in with its project: what the financing loop (融资闭环) reads
-- instead of every snapshot. Kept by every loan-book submission and
-- disbursement of the institution.
CREATE TABLE project_loans (
    org_id      BIGINT NOT NULL,
    loan_id     TEXT    NOT NULL,
    project_id  BIGINT NOT NULL,
    borrower_id BIGINT,
    amount      DOUBLE PRECISION NOT NULL,
    start_date  TEXT    NOT NULL,
    month       TEXT    NOT NULL,
    PRIMARY KEY (org_id, loan_id)
);
CREATE INDEX project_loans_project ON project_loans (project_id);
INSERT INTO project_loans (org_id, loan_id, project_id, borrower_id, amount, start_date, month)
    SELECT l.org_id, l.loan_id, l.project_id, l.borrower_id, l.amount, l.start_date, l.month FROM loans l
    JOIN (SELECT org_id, loan_id, MAX(month) AS month FROM loans WHERE project_id IS NOT NULL GROUP BY org_id, loan_id) m
        ON m.month = l.month AND m.org_id = l.org_id AND m.loan_id = l.loan_id;
