-- 0006: one-click GEP accounting (一键式 GEP 核算): the input sets of each
-- region and year, and immutable runs with every valued line.
-- Keep in step with ../postgres/0006_gep.sql: same tables, columns and indexes.

-- An input set (核算输入) of a region (GB/T 2260) and accounting year: the
-- JSON of gep.Inputs, the region's GDP for GEP/GDP (元, 0 = not given),
-- where it came from (form, xlsx, api, geotiff) and who entered it. Never
-- updated: a correction is a new set, and the newest one is used.
CREATE TABLE gep_inputs (
    id          INTEGER PRIMARY KEY,
    region      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    inputs      TEXT    NOT NULL,
    gdp         REAL    NOT NULL DEFAULT 0 CHECK (gdp >= 0),
    source      TEXT    NOT NULL CHECK (source IN ('form', 'xlsx', 'api', 'geotiff')),
    note        TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX gep_inputs_region_year ON gep_inputs (region, year, id);

-- A run (核算结果) of a region-year: version 1, 2, … per region-year; the
-- runs of one click share a batch. It keeps the profile ID (version@hash),
-- the inputs snapshot it ran on (input_id NULL: the demo inputs), the
-- totals in 元, the physical quantities, the totals by indicator and by
-- ecosystem type, the magnitude check and the warnings (JSON), and who ran
-- it. Runs and their lines are never updated or deleted (triggers below).
CREATE TABLE gep_runs (
    id           INTEGER PRIMARY KEY,
    region       TEXT    NOT NULL,
    year         INTEGER NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    name         TEXT    NOT NULL,
    batch        TEXT    NOT NULL,
    profile_id   TEXT    NOT NULL,
    input_id     INTEGER REFERENCES gep_inputs (id),
    input_source TEXT    NOT NULL,
    inputs       TEXT    NOT NULL,
    area_km2     REAL    NOT NULL,
    provisioning REAL    NOT NULL,
    regulating   REAL    NOT NULL,
    cultural     REAL    NOT NULL,
    deduction    REAL    NOT NULL,
    gep          REAL    NOT NULL,
    gdp          REAL    NOT NULL DEFAULT 0,
    amounts      TEXT    NOT NULL,
    by_indicator TEXT    NOT NULL,
    by_ecosystem TEXT    NOT NULL,
    magnitude    TEXT    NOT NULL,
    within_band  BOOLEAN NOT NULL,
    warnings     TEXT    NOT NULL,
    created_by   INTEGER NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (region, year, version)
);
CREATE INDEX gep_runs_year ON gep_runs (year, region, version);
CREATE INDEX gep_runs_batch ON gep_runs (batch);

-- The valued lines (价值量) of a run in catalogue order: physical quantity
-- and unit, the unit price moved to the accounting year with its unit,
-- code, base price, price year, index factor and source, and the value (元).
CREATE TABLE gep_lines (
    run_id       INTEGER NOT NULL REFERENCES gep_runs (id),
    seq          INTEGER NOT NULL,
    indicator    TEXT    NOT NULL,
    category     TEXT    NOT NULL,
    component    TEXT    NOT NULL,
    ecosystem    TEXT    NOT NULL,
    quantity     REAL    NOT NULL,
    unit         TEXT    NOT NULL,
    price_code   TEXT    NOT NULL,
    price        REAL    NOT NULL,
    price_unit   TEXT    NOT NULL,
    price_base   REAL    NOT NULL,
    price_year   INTEGER NOT NULL,
    index_factor REAL    NOT NULL,
    price_source TEXT    NOT NULL,
    value        REAL    NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TRIGGER gep_runs_no_update BEFORE UPDATE ON gep_runs BEGIN SELECT RAISE(ABORT, 'gep runs are immutable: re-run for a new version'); END;
CREATE TRIGGER gep_runs_no_delete BEFORE DELETE ON gep_runs BEGIN SELECT RAISE(ABORT, 'gep runs are immutable: re-run for a new version'); END;
CREATE TRIGGER gep_lines_no_update BEFORE UPDATE ON gep_lines BEGIN SELECT RAISE(ABORT, 'gep runs are immutable: re-run for a new version'); END;
CREATE TRIGGER gep_lines_no_delete BEFORE DELETE ON gep_lines BEGIN SELECT RAISE(ABORT, 'gep runs are immutable: re-run for a new version'); END;
CREATE TRIGGER gep_inputs_no_update BEFORE UPDATE ON gep_inputs BEGIN SELECT RAISE(ABORT, 'gep input sets are kept as entered: save a new set'); END;
