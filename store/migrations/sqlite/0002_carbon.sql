-- 0002: carbon accounts (碳账户): factor sets, activity data, accounts, benchmarks, reports.
-- Keep in step with ../postgres/0002_carbon.sql: same tables, columns and indexes.

-- A factor set is stored once, when a result first uses it, so that every
-- stored result can be reproduced from the exact factors that made it.
CREATE TABLE factor_sets (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    content    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One import, API call or form entry of activity data.
CREATE TABLE activity_batches (
    id          INTEGER PRIMARY KEY,
    actor_user  INTEGER,
    actor_org   INTEGER,
    source      TEXT    NOT NULL CHECK (source IN ('import', 'api', 'form')),
    filename    TEXT    NOT NULL DEFAULT '',
    sha256      TEXT    NOT NULL DEFAULT '',
    rows        INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Activity data (活动数据): one figure per enterprise, period and item, in the
-- item's canonical unit (input and unit keep what was given). month 0 is a
-- figure for the whole year. The key leads with the year, so that the
-- recompute of a year reads it in key order, and holds the tenant key (org_id)
-- for distribution. No foreign keys:
-- millions of rows are bulk-loaded, the service checks every row's enterprise
-- and batch, and organisations are never deleted.
CREATE TABLE activity (
    org_id    INTEGER NOT NULL,
    year      INTEGER NOT NULL,
    month     INTEGER NOT NULL CHECK (month BETWEEN 0 AND 12),
    item      TEXT    NOT NULL,
    quantity  REAL    NOT NULL CHECK (quantity >= 0),
    input     REAL    NOT NULL,
    unit      TEXT    NOT NULL,
    quality   TEXT    NOT NULL CHECK (quality IN ('metered', 'reported', 'estimated')),
    batch_id  INTEGER NOT NULL,
    PRIMARY KEY (year, org_id, month, item)
) WITHOUT ROWID;

-- Carbon accounts: one row per enterprise and year, with the grade; detail
-- holds the lines by source, the factors used and the months' figures (JSON).
CREATE TABLE accounts (
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    year             INTEGER NOT NULL,
    industry         TEXT    NOT NULL,
    division         TEXT    NOT NULL,
    scope1           REAL    NOT NULL,
    scope2           REAL    NOT NULL,
    total            REAL    NOT NULL,
    avoided          REAL    NOT NULL,
    emissions        REAL    NOT NULL,
    energy_tce       REAL    NOT NULL,
    value_added      REAL    NOT NULL,
    output_value     REAL    NOT NULL,
    intensity        REAL,
    intensity_output REAL,
    level            TEXT    NOT NULL,
    benchmark        REAL,
    k                REAL,
    grade            INTEGER,
    quality          TEXT    NOT NULL,
    factor_set       TEXT    NOT NULL,
    detail           TEXT    NOT NULL,
    computed_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, year)
) WITHOUT ROWID;
CREATE INDEX accounts_year_grade ON accounts (year, grade);
CREATE INDEX accounts_year_division ON accounts (year, division);
CREATE INDEX accounts_year_industry ON accounts (year, industry);

-- Industry benchmarks (行业碳效基准) per year: computed from the accounts, or
-- configured by an administrator from a published source.
CREATE TABLE benchmarks (
    year      INTEGER NOT NULL,
    industry  TEXT    NOT NULL,
    intensity REAL    NOT NULL,
    peers     INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    PRIMARY KEY (year, industry)
);

-- Annual emission reports and their verification (MRV). A correction of an
-- accepted report is a new version with its reason; an accepted version is
-- locked: its year's activity data can no longer change.
CREATE TABLE carbon_reports (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    year            INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'submitted', 'returned', 'accepted', 'superseded')),
    verifier_org_id INTEGER REFERENCES orgs (id),
    reason          TEXT    NOT NULL,
    comment         TEXT    NOT NULL,
    snapshot        TEXT    NOT NULL,
    factor_set      TEXT    NOT NULL,
    submitted_at    TIMESTAMP,
    decided_at      TIMESTAMP,
    UNIQUE (org_id, year, version)
);
CREATE INDEX carbon_reports_verifier ON carbon_reports (verifier_org_id, status);

-- An enterprise's choice of electricity factor kind (电力排放因子类型), when it
-- is not the default chain (provincial → regional → national).
CREATE TABLE carbon_settings (
    org_id    INTEGER  NOT NULL PRIMARY KEY REFERENCES orgs (id),
    grid_kind TEXT    NOT NULL
);
