-- 0003: the climate project library (气候投融资项目库): projects, attachments,
-- expert reviews, workflow events, in-app notifications.
-- Keep in step with ../postgres/0003_project.sql: same tables, columns and indexes.

-- A project with its screening. Money in 万元; annual_tco2 is the expected
-- annual reduction of the last screening; screening holds the whole result
-- (JSON) with the taxonomy, factor and parameter versions that made it.
CREATE TABLE projects (
    id               INTEGER PRIMARY KEY,
    code             TEXT    NOT NULL UNIQUE,
    org_id           INTEGER NOT NULL REFERENCES orgs (id),
    status           TEXT    NOT NULL CHECK (status IN ('draft', 'submitted', 'screened', 'review', 'returned', 'rejected',
                                                        'admitted', 'financing', 'construction', 'completed', 'removed')),
    name             TEXT    NOT NULL,
    county           TEXT    NOT NULL DEFAULT '',
    location         TEXT    NOT NULL DEFAULT '',
    lat              REAL,
    lng              REAL,
    sector           TEXT    NOT NULL DEFAULT '',
    category         TEXT    NOT NULL DEFAULT '',
    climate_type     TEXT    NOT NULL DEFAULT '',
    description      TEXT    NOT NULL DEFAULT '',
    investment       REAL    NOT NULL DEFAULT 0 CHECK (investment >= 0),
    financing_need   REAL    NOT NULL DEFAULT 0 CHECK (financing_need >= 0),
    start_date       TEXT    NOT NULL DEFAULT '',
    end_date         TEXT    NOT NULL DEFAULT '',
    lifetime         INTEGER NOT NULL DEFAULT 0 CHECK (lifetime >= 0),
    technical        TEXT    NOT NULL DEFAULT '{}',
    co_benefits      TEXT    NOT NULL DEFAULT '',
    co_benefit_value REAL    NOT NULL DEFAULT 0,
    revenue          REAL    NOT NULL DEFAULT 0,
    opex             REAL    NOT NULL DEFAULT 0,
    contact          TEXT    NOT NULL DEFAULT '',
    list             TEXT    NOT NULL DEFAULT '',
    cat2021          TEXT    NOT NULL DEFAULT '',
    cat2025          TEXT    NOT NULL DEFAULT '',
    annual_tco2      REAL    NOT NULL DEFAULT 0,
    cost_per_tonne   REAL,
    npv              REAL,
    irr              REAL,
    value_total      REAL,
    score            REAL,
    progress_percent REAL,
    invested         REAL,
    financed         REAL,
    progress_at      TIMESTAMP,
    two_high         BOOLEAN NOT NULL DEFAULT FALSE,
    recommended      BOOLEAN NOT NULL DEFAULT FALSE,
    screening        TEXT    NOT NULL DEFAULT '',
    taxonomy         TEXT    NOT NULL DEFAULT '',
    created_by       INTEGER NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    submitted_at     TIMESTAMP,
    admitted_at      TIMESTAMP,
    version          INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX projects_org ON projects (org_id, status);
CREATE INDEX projects_status_county ON projects (status, county);
CREATE INDEX projects_category ON projects (category, status);

-- Attachments (附件): PDF and images, size-limited, kept with their SHA-256.
CREATE TABLE project_files (
    id           INTEGER PRIMARY KEY,
    project_id   INTEGER NOT NULL REFERENCES projects (id),
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL CHECK (content_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    content      BLOB    NOT NULL,
    uploaded_by  INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX project_files_project ON project_files (project_id);

-- Expert reviews (专家评审): one per project and reviewer; scores by criterion (JSON).
CREATE TABLE project_reviews (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects (id),
    reviewer_id     INTEGER NOT NULL REFERENCES users (id),
    reviewer_org_id INTEGER NOT NULL,
    assigned_by     INTEGER NOT NULL,
    assigned_at     TIMESTAMP NOT NULL,
    scores          TEXT    NOT NULL DEFAULT '{}',
    total           REAL,
    recommendation  TEXT    NOT NULL DEFAULT '',
    comment         TEXT    NOT NULL DEFAULT '',
    submitted_at    TIMESTAMP,
    UNIQUE (project_id, reviewer_id)
);
CREATE INDEX project_reviews_reviewer ON project_reviews (reviewer_id, project_id);

-- The workflow history: every step with its actor and comment.
CREATE TABLE project_events (
    id            INTEGER PRIMARY KEY,
    project_id    INTEGER NOT NULL REFERENCES projects (id),
    at            TIMESTAMP NOT NULL,
    actor_user_id INTEGER,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    from_status   TEXT    NOT NULL,
    to_status     TEXT    NOT NULL,
    comment       TEXT    NOT NULL DEFAULT '',
    detail        TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX project_events_project ON project_events (project_id, id);

-- In-app notifications (站内通知).
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    project_id INTEGER,
    kind       TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);
