/**
 * @module
 * The database schema this code expects: the version of the newest migration in `sql/migrations`.
 * `/health` reports the database as behind when its newest applied migration is older. A test
 * (tests/project_layout_test.ts) fails when a new migration lands without updating this.
 */

/** Version (timestamp) of the newest migration. */
export const SCHEMA_VERSION = "20261122200100";
