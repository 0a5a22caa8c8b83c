//! [`SqliteTextIndex`]: the words of tickets in SQLite FTS5 (the bundled SQLite has it).
//!
//! One row per text (a ticket's subject, each message) in `search_docs`, mirrored into the
//! external-content FTS5 table `search_text` by triggers. The tokenizer is FTS5's `unicode61`
//! with `remove_diacritics 2`, over texts folded by core's `search::text::fold` first (FTS5
//! keeps `ł` apart from `l`), so `zamowienie` finds `zamówienie` and `przesylka` finds
//! `przesyłka`, as on AWS. A ticket matches when its
//! texts together hold every word; tickets are ordered by FTS5's bm25 of their best text.

use crate::db::{DbFailure, SqliteDb};
use crate::error::LocalError;
use async_trait::async_trait;
use marketdesk_core::ids::{TenantId, TicketId};
use marketdesk_core::ports::{TextDoc, TextIndex, TextIndexError};
use marketdesk_core::services::search::text::fold;
use rusqlite::types::Value;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS search_docs (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    ticket TEXT NOT NULL,
    doc TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (tenant, ticket, doc)
);
CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5(
    body, content = 'search_docs', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS search_docs_inserted AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_text (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER IF NOT EXISTS search_docs_deleted AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_text (search_text, rowid, body) VALUES ('delete', old.id, old.body);
END;
CREATE TRIGGER IF NOT EXISTS search_docs_updated AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_text (search_text, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO search_text (rowid, body) VALUES (new.id, new.body);
END;
";

/// The embedded [`TextIndex`]; cheap to clone, clones share the database.
#[derive(Debug, Clone)]
pub struct SqliteTextIndex {
    db: SqliteDb,
}

impl SqliteTextIndex {
    /// The index in `db`, creating its tables if needed.
    pub fn new(db: SqliteDb) -> Result<Self, LocalError> {
        db.setup(SCHEMA)?;
        Ok(Self { db })
    }
}

impl From<DbFailure> for TextIndexError {
    fn from(failure: DbFailure) -> Self {
        TextIndexError::Unavailable(failure.0)
    }
}

fn sql(e: rusqlite::Error) -> TextIndexError {
    TextIndexError::Unavailable(format!("sqlite: {e}"))
}

/// `word` (folded) as an FTS5 string: words are letters and digits only, but quoting keeps
/// FTS5's operators (`OR`, `NEAR`, `*`) plain words whatever is asked.
fn phrase(word: &str) -> String {
    format!("\"{}\"", fold(&word.to_lowercase()).replace('"', "\"\""))
}

/// The query: the tickets of tenant `?1` whose texts hold every word, by their best text's
/// bm25 (FTS5's relevance; lower is better). Parameters: `?1` tenant, `?2` limit, `?3` any word
/// (for the score), and with more than one word `?4`… one word each.
fn search_sql(words: usize) -> String {
    let every = if words > 1 {
        let each = (0..words)
            .map(|i| {
                format!(
                    "SELECT d.ticket FROM search_text JOIN search_docs d ON d.id = search_text.rowid \
                     WHERE search_text MATCH ?{} AND d.tenant = ?1",
                    i + 4
                )
            })
            .collect::<Vec<_>>()
            .join(" INTERSECT ");
        format!(" WHERE ticket IN ({each})")
    } else {
        String::new()
    };
    format!(
        "WITH hit AS MATERIALIZED (SELECT d.ticket AS ticket, bm25(search_text) AS score \
         FROM search_text JOIN search_docs d ON d.id = search_text.rowid \
         WHERE search_text MATCH ?3 AND d.tenant = ?1) \
         SELECT ticket, min(score) AS best FROM hit{every} \
         GROUP BY ticket ORDER BY best, ticket DESC LIMIT ?2"
    )
}

#[async_trait]
impl TextIndex for SqliteTextIndex {
    async fn index(
        &self,
        tenant: &TenantId,
        ticket: &TicketId,
        docs: &[TextDoc],
    ) -> Result<(), TextIndexError> {
        let (tenant, ticket) = (tenant.to_string(), ticket.to_string());
        let docs: Vec<(String, String)> = docs
            .iter()
            .map(|doc| (doc.key.clone(), fold(&doc.text.to_lowercase())))
            .collect();
        self.db
            .run(move |conn| {
                let tx = conn.transaction().map_err(sql)?;
                {
                    let mut upsert = tx
                        .prepare_cached(
                            "INSERT INTO search_docs (tenant, ticket, doc, body) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT (tenant, ticket, doc) DO UPDATE SET body = excluded.body \
                             WHERE body <> excluded.body",
                        )
                        .map_err(sql)?;
                    for (key, text) in &docs {
                        upsert.execute((&tenant, &ticket, key, text)).map_err(sql)?;
                    }
                }
                tx.commit().map_err(sql)
            })
            .await
    }

    async fn search(
        &self,
        tenant: &TenantId,
        words: &[String],
        limit: usize,
    ) -> Result<Vec<TicketId>, TextIndexError> {
        if words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let statement = search_sql(words.len());
        let mut params: Vec<Value> = vec![
            Value::Text(tenant.to_string()),
            Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)),
            Value::Text(
                words
                    .iter()
                    .map(|w| phrase(w))
                    .collect::<Vec<_>>()
                    .join(" OR "),
            ),
        ];
        if words.len() > 1 {
            params.extend(words.iter().map(|w| Value::Text(phrase(w))));
        }
        self.db
            .run(move |conn| {
                let mut query = conn.prepare_cached(&statement).map_err(sql)?;
                let rows = query
                    .query_map(rusqlite::params_from_iter(params), |row| {
                        row.get::<_, String>(0)
                    })
                    .map_err(sql)?;
                rows.map(|row| row.map(TicketId).map_err(sql)).collect()
            })
            .await
    }
}
