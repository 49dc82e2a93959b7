-- 0004: green finance (绿色金融): products, financing needs and their claims,
-- the loan book's month-end snapshots, settings.
-- Keep in step with ../postgres/0004_finance.sql: same tables, columns and indexes.

-- A product version (金融产品). A change inserts the next version and
-- deactivates the last; lists (industries, counties, grades, collateral)
-- and the discounts by grade are JSON.
CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    code        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    min_amount  REAL    NOT NULL CHECK (min_amount >= 0),
    max_amount  REAL    NOT NULL CHECK (max_amount >= min_amount),
    min_tenor   INTEGER NOT NULL,
    max_tenor   INTEGER NOT NULL,
    industries  TEXT    NOT NULL DEFAULT '[]',
    counties    TEXT    NOT NULL DEFAULT '[]',
    grades      TEXT    NOT NULL DEFAULT '[]',
    collateral  TEXT    NOT NULL DEFAULT '[]',
    lpr_term    TEXT    NOT NULL CHECK (lpr_term IN ('1y', '5y')),
    spread_bp   REAL    NOT NULL,
    discount_bp TEXT    NOT NULL DEFAULT '{}',
    active      BOOLEAN NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, code, version)
);
CREATE INDEX products_active ON products (active, org_id);

-- A financing need (融资需求) posted by an enterprise, optionally for a
-- project of the library. Money in 万元, tenor in months.
CREATE TABLE needs (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES orgs (id),
    project_id     INTEGER REFERENCES projects (id),
    amount         REAL    NOT NULL CHECK (amount > 0),
    tenor          INTEGER NOT NULL CHECK (tenor > 0),
    purpose        TEXT    NOT NULL,
    collateral     TEXT    NOT NULL DEFAULT '[]',
    status         TEXT    NOT NULL CHECK (status IN ('open', 'chosen', 'approved', 'disbursed', 'withdrawn')),
    max_claims     INTEGER NOT NULL,
    contact_days   INTEGER NOT NULL,
    created_by     INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX needs_org ON needs (org_id, status);
CREATE INDEX needs_status ON needs (status, created_at);

-- An institution's claim on a need (抢单) and what it did with it: first
-- contact within contact_days working days (due_at), approval, refusal or
-- disbursement, which creates the loan.
CREATE TABLE need_claims (
    id              INTEGER PRIMARY KEY,
    need_id         INTEGER NOT NULL REFERENCES needs (id),
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    user_id         INTEGER NOT NULL,
    product_id      INTEGER REFERENCES products (id),
    status          TEXT    NOT NULL CHECK (status IN ('claimed', 'chosen', 'passed', 'approved', 'refused', 'disbursed', 'withdrawn')),
    claimed_at      TIMESTAMP NOT NULL,
    due_at          TIMESTAMP NOT NULL,
    contacted_at    TIMESTAMP,
    contact_note    TEXT    NOT NULL DEFAULT '',
    approved_amount REAL,
    approved_rate   REAL,
    decided_at      TIMESTAMP,
    reason          TEXT    NOT NULL DEFAULT '',
    loan_id         TEXT    NOT NULL DEFAULT '',
    UNIQUE (need_id, org_id)
);
CREATE INDEX need_claims_org ON need_claims (org_id, status);

-- One submission of loan-level data (a file, an API call or a disbursement).
CREATE TABLE loan_batches (
    id         INTEGER PRIMARY KEY,
    org_id     INTEGER NOT NULL,
    month      TEXT    NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('import', 'api', 'disbursement')),
    filename   TEXT    NOT NULL DEFAULT '',
    sha256     TEXT    NOT NULL DEFAULT '',
    rows       INTEGER NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);

-- The loan book: each loan as reported at a month end (贷款逐笔数据). The key
-- leads with the month, so that a month's statistics read one key range, and
-- holds the tenant key (org_id, the lending institution) for distribution.
-- green_class is the catalogue class the loan was classified under when made
-- ('' = not green), in the catalogue version named; suggested_* keep the
-- classification assistant's proposal beside the officer's decision.
CREATE TABLE loans (
    month              TEXT    NOT NULL,
    org_id             INTEGER NOT NULL,
    loan_id            TEXT    NOT NULL,
    borrower_uscc      TEXT    NOT NULL,
    borrower_id        INTEGER,
    county             TEXT    NOT NULL,
    industry           TEXT    NOT NULL,
    sector             TEXT    NOT NULL,
    product            TEXT    NOT NULL,
    amount             REAL    NOT NULL CHECK (amount >= 0),
    balance            REAL    NOT NULL CHECK (balance >= 0),
    rate               REAL    NOT NULL,
    start_date         TEXT    NOT NULL,
    maturity_date      TEXT    NOT NULL,
    purpose            TEXT    NOT NULL,
    green_class        TEXT    NOT NULL,
    catalogue          TEXT    NOT NULL,
    climate_type       TEXT    NOT NULL CHECK (climate_type IN ('mitigation', 'adaptation', 'both', 'none')),
    project_id         INTEGER,
    attributed_tco2    REAL    NOT NULL DEFAULT 0,
    suggested_class    TEXT    NOT NULL DEFAULT '',
    suggested_climate  TEXT    NOT NULL DEFAULT '',
    batch_id           INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, loan_id)
) WITHOUT ROWID;
CREATE INDEX loans_borrower ON loans (borrower_uscc, month);

-- Platform settings of the financing service: how many institutions may
-- claim a need and the working days for first contact (1, 3 or 5).
CREATE TABLE finance_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The statistical scope (统计口径) of the loan book from a month on: the
-- green-loan definition the institutions report under. Statistics never
-- compare across a change of scope silently.
CREATE TABLE stat_scopes (
    from_month TEXT PRIMARY KEY,
    scope      TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT ''
);

-- Early warnings (贷后预警) on an institution's borrowers whose carbon
-- performance deteriorated, with the suggested action and the officer's
-- decision. One per institution, borrower and year.
CREATE TABLE loan_warnings (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL,
    borrower_id INTEGER NOT NULL REFERENCES orgs (id),
    year        INTEGER NOT NULL,
    reasons     TEXT    NOT NULL,
    action      TEXT    NOT NULL CHECK (action IN ('watch', 'restructure', 'exit')),
    decision    TEXT    NOT NULL DEFAULT '' CHECK (decision IN ('', 'watch', 'restructure', 'exit', 'dismiss')),
    comment     TEXT    NOT NULL DEFAULT '',
    decided_by  INTEGER,
    decided_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, borrower_id, year)
);

-- Insurance policies as reported at a month end (保单逐笔数据) by insurers:
-- the sum insured of green kinds counts toward the coverage target.
CREATE TABLE policies (
    month        TEXT    NOT NULL,
    org_id       INTEGER NOT NULL,
    policy_id    TEXT    NOT NULL,
    insured_uscc TEXT    NOT NULL,
    insured_id   INTEGER,
    county       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    sum_insured  REAL NOT NULL CHECK (sum_insured >= 0),
    premium      REAL NOT NULL CHECK (premium >= 0),
    start_date   TEXT    NOT NULL,
    end_date     TEXT    NOT NULL,
    climate_type TEXT    NOT NULL,
    batch_id     INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, policy_id)
) WITHOUT ROWID;

-- Other climate instruments at a month end (其他气候投融资工具): green
-- bonds, funds, equity, leasing — so that the plan's total of climate
-- investment and financing is complete.
CREATE TABLE instruments (
    month             TEXT    NOT NULL,
    org_id            INTEGER NOT NULL,
    instrument_id     TEXT    NOT NULL,
    kind              TEXT    NOT NULL CHECK (kind IN ('green_bond', 'fund', 'equity', 'leasing', 'other')),
    counterparty_uscc TEXT    NOT NULL,
    counterparty_id   INTEGER,
    county            TEXT    NOT NULL,
    amount            REAL NOT NULL CHECK (amount >= 0),
    balance           REAL NOT NULL CHECK (balance >= 0),
    issue_date        TEXT    NOT NULL,
    maturity_date     TEXT    NOT NULL,
    green_class       TEXT    NOT NULL,
    catalogue         TEXT    NOT NULL,
    climate_type      TEXT    NOT NULL,
    description       TEXT    NOT NULL,
    batch_id          INTEGER NOT NULL,
    PRIMARY KEY (month, org_id, instrument_id)
) WITHOUT ROWID;

-- The loan book summed into statistics cells (统计单元), maintained with each
-- submission of an institution's month: statistics read these, never the
-- loans. One row per month, institution, county, green class (in its
-- catalogue), sector and climate type; see finance.Cell.
CREATE TABLE loan_cells (
    month           TEXT    NOT NULL,
    org_id          INTEGER NOT NULL,
    county          TEXT    NOT NULL,
    green_class     TEXT    NOT NULL,
    catalogue       TEXT    NOT NULL,
    sector          TEXT    NOT NULL,
    climate_type    TEXT    NOT NULL,
    loans           INTEGER NOT NULL,
    balance         REAL NOT NULL,
    new_loans       REAL NOT NULL,
    attributed_tco2 REAL NOT NULL,
    PRIMARY KEY (month, org_id, county, green_class, catalogue, sector, climate_type)
) WITHOUT ROWID;
