//! The data version of the embedded database (`PRAGMA user_version`) and the migrations that
//! bring an older data directory up to this binary's version on start.
//!
//! The adapters create their tables with `CREATE … IF NOT EXISTS`; a migration is for what that
//! cannot do (a new column, an index on existing rows, moved data). An older binary refuses a
//! database whose version it does not know rather than misread it.

use crate::db::SqliteDb;
use crate::error::LocalError;
use rusqlite::{Connection, TransactionBehavior};

/// The data version this binary reads and writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// One step: the version it brings the database to, and its SQL.
pub(crate) type Migration = (i64, &'static str);

/// Every step, in order. Version 0 is a database made before versions were kept (marketdesk
/// 0.1 up to this change); version 1 has the same tables, so its step only records the number.
const MIGRATIONS: &[Migration] = &[(1, "")];

/// The version stored in `conn`'s database.
pub(crate) fn stored_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Refuses a database written by a newer marketdesk, before anything touches it.
pub(crate) fn refuse_newer(db: &SqliteDb) -> Result<(), LocalError> {
    let found = db
        .with_conn(|conn| stored_version(conn))
        .map_err(|source| db.error(source))?;
    if found > SCHEMA_VERSION {
        return Err(LocalError::NewerData {
            path: db.path().to_path_buf(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Applies every step newer than the stored version (each in its own transaction with its
/// version number, so a failed step leaves the database at the previous version). Two
/// processes starting at once take turns: the second finds the work done.
pub(crate) fn migrate(db: &SqliteDb) -> Result<(), LocalError> {
    apply(db, MIGRATIONS)
}

/// [`migrate`] with the steps given (tests).
pub(crate) fn apply(db: &SqliteDb, migrations: &[Migration]) -> Result<(), LocalError> {
    let latest = migrations.last().map_or(0, |(version, _)| *version);
    for (version, sql) in migrations {
        let applied = db
            .with_conn(|conn| {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let found = stored_version(&tx)?;
                if found >= *version {
                    return Ok(None);
                }
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", version)?;
                tx.commit()?;
                Ok(Some(found))
            })
            .map_err(|source| db.error(source))?;
        if let Some(from) = applied {
            tracing::info!(
                database = %db.path().display(),
                from,
                to = version,
                "data upgraded"
            );
        }
    }
    let found = db
        .with_conn(|conn| stored_version(conn))
        .map_err(|source| db.error(source))?;
    if found > latest {
        return Err(LocalError::NewerData {
            path: db.path().to_path_buf(),
            found,
            supported: latest,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(db: &SqliteDb) -> i64 {
        db.with_conn(|conn| stored_version(conn)).expect("version")
    }

    #[test]
    fn steps_apply_in_order_once_each() {
        let db = SqliteDb::open_in_memory().expect("db");
        let steps: &[Migration] = &[
            (1, "CREATE TABLE a (x INTEGER)"),
            (
                2,
                "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a (x, y) VALUES (1, 'one')",
            ),
        ];
        apply(&db, &steps[..1]).expect("first step");
        assert_eq!(version(&db), 1);
        apply(&db, steps).expect("upgrade");
        assert_eq!(version(&db), 2);
        // Again: nothing to do (the insert is not repeated).
        apply(&db, steps).expect("nothing to do");
        let rows: i64 = db
            .with_conn(|c| c.query_row("SELECT COUNT(*) FROM a WHERE y = 'one'", [], |r| r.get(0)))
            .expect("count");
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_failed_step_leaves_the_previous_version_and_no_half_change() {
        let db = SqliteDb::open_in_memory().expect("db");
        let steps: &[Migration] = &[
            (1, "CREATE TABLE a (x INTEGER)"),
            (
                2,
                "CREATE TABLE b (x INTEGER); INSERT INTO no_such_table VALUES (1)",
            ),
        ];
        let error = apply(&db, steps).expect_err("step 2 fails");
        assert!(error.to_string().contains("no_such_table"), "{error}");
        assert_eq!(version(&db), 1);
        let b_exists: i64 = db
            .with_conn(|c| {
                c.query_row(
                    "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'",
                    [],
                    |r| r.get(0),
                )
            })
            .expect("query");
        assert_eq!(b_exists, 0, "step 2 rolled back whole");
    }

    #[test]
    fn a_newer_database_is_refused_naming_both_versions() {
        let db = SqliteDb::open_in_memory().expect("db");
        db.with_conn(|c| c.pragma_update(None, "user_version", SCHEMA_VERSION + 1))
            .expect("set");
        let error = refuse_newer(&db).expect_err("newer").to_string();
        assert!(
            error.contains(&format!("data version {}", SCHEMA_VERSION + 1)),
            "{error}"
        );
        assert!(
            error.contains(&format!("up to {SCHEMA_VERSION}")),
            "{error}"
        );
    }
}
