-- 0008: versions of the data that the cockpit's cached summaries rest on,
-- raised in every transaction that changes it, so that a server may keep a
-- summary it computed until a version moves (as loan_cells_version does for
-- the statistics cells). accounts: raised by every computation of carbon
-- accounts (carbon's summarise); projects: raised by the trigger below when
-- a project's county or expected reduction changes.
-- Keep in step with ../postgres/0008_data_versions.sql: same tables.
CREATE TABLE data_versions (
    name    TEXT   PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO data_versions (name, version) VALUES ('accounts', 1), ('projects', 1);

CREATE TRIGGER projects_version AFTER UPDATE OF county, annual_tco2 ON projects
BEGIN UPDATE data_versions SET version = version + 1 WHERE name = 'projects'; END;
