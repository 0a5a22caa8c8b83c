//! The core conformance suite, run against the embedded adapters.
//!
//! The store and queue suites both have an `invalid_requests_are_refused` check, so each suite
//! gets its own module: `sqlite::store::…`, `sqlite::queue::…`, `sqlite::secrets::…`.

use marketdesk_core::conformance::{queue::MAX_RECEIVES, unique};
use marketdesk_core::ports::Store;
use marketdesk_core::ports::SystemClock;
use marketdesk_core::repo::word_index::StoreWordIndex;
use marketdesk_local::{
    FileSecrets, QueueOptions, SqliteDb, SqliteQueue, SqliteStore, SqliteTextIndex,
};
use std::ops::Deref;
use std::sync::Arc;
use tempfile::TempDir;

/// An adapter together with the temporary directory its files live in, removed after the test.
struct InTempDir<T> {
    adapter: T,
    _dir: Arc<TempDir>,
}

impl<T> Deref for InTempDir<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.adapter
    }
}

fn temp_dir() -> Arc<TempDir> {
    Arc::new(tempfile::tempdir().expect("temporary directory"))
}

async fn file_store() -> Option<InTempDir<SqliteStore>> {
    let dir = temp_dir();
    let adapter = SqliteStore::open(&dir.path().join("store.sqlite")).expect("open store");
    Some(InTempDir { adapter, _dir: dir })
}

async fn memory_store() -> Option<Arc<SqliteStore>> {
    Some(Arc::new(
        SqliteStore::open_in_memory().expect("open in-memory store"),
    ))
}

async fn queues() -> Option<(InTempDir<SqliteQueue>, InTempDir<SqliteQueue>)> {
    let dir = temp_dir();
    let db = SqliteDb::open(&dir.path().join("queues.sqlite")).expect("open database");
    let name = unique("q");
    let options = QueueOptions {
        max_receives: MAX_RECEIVES,
        dead_letter: Some(format!("{name}-dlq")),
    };
    let queue = SqliteQueue::open(&db, &name, options, Arc::new(SystemClock)).expect("open queue");
    let dlq = queue.dead_letter_queue().expect("has a dead-letter queue");
    Some((
        InTempDir {
            adapter: queue,
            _dir: dir.clone(),
        },
        InTempDir {
            adapter: dlq,
            _dir: dir,
        },
    ))
}

/// Whole ports of an embedded backend in a temporary directory (the CRM suite).
async fn ports() -> Option<InTempDir<marketdesk_core::ports::Ports>> {
    let dir = temp_dir();
    let adapter = marketdesk_local::LocalBackend::open(dir.path(), Arc::new(SystemClock))
        .expect("open backend");
    Some(InTempDir { adapter, _dir: dir })
}

async fn fts5_index() -> Option<InTempDir<SqliteTextIndex>> {
    let dir = temp_dir();
    let db = SqliteDb::open(&dir.path().join("search.sqlite")).expect("open database");
    let adapter = SqliteTextIndex::new(db).expect("open the FTS5 index");
    Some(InTempDir { adapter, _dir: dir })
}

async fn store_word_index() -> Option<Box<StoreWordIndex>> {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_in_memory().expect("open store"));
    Some(Box::new(StoreWordIndex::new(store)))
}

async fn secrets() -> Option<InTempDir<FileSecrets>> {
    let dir = temp_dir();
    let adapter = FileSecrets::open(&dir.path().join("secrets")).expect("open secrets");
    Some(InTempDir { adapter, _dir: dir })
}

mod sqlite {
    mod store {
        marketdesk_core::store_conformance_tests!(crate::file_store());
    }
    mod people {
        marketdesk_core::people_conformance_tests!(crate::file_store());
    }
    mod crm {
        marketdesk_core::crm_conformance_tests!(crate::ports());
    }
    mod catalogue {
        marketdesk_core::catalogue_conformance_tests!(crate::ports());
    }
    mod offer_commands {
        marketdesk_core::offer_commands_conformance_tests!(crate::ports());
    }
    mod poll_leases {
        marketdesk_core::polling_conformance_tests!(crate::ports());
    }
    mod views {
        marketdesk_core::views_conformance_tests!(crate::file_store());
    }
    mod erp_feed {
        marketdesk_core::erp_feed_conformance_tests!(crate::file_store());
    }
    mod search {
        marketdesk_core::search_conformance_tests!(crate::file_store());
    }
    mod fts5 {
        marketdesk_core::text_index_conformance_tests!(crate::fts5_index());
    }
    mod word_items {
        marketdesk_core::text_index_conformance_tests!(crate::store_word_index());
    }
    mod queue {
        marketdesk_core::queue_conformance_tests!(crate::queues());
    }
    mod secrets {
        marketdesk_core::secrets_conformance_tests!(crate::secrets());
    }
}

mod sqlite_in_memory {
    mod store {
        marketdesk_core::store_conformance_tests!(crate::memory_store());
    }
    mod erp_feed {
        marketdesk_core::erp_feed_conformance_tests!(crate::memory_store());
    }
}

/// The in-process request budget of `marketdesk serve`.
async fn memory_budget() -> Option<Box<marketdesk_core::ports::MemoryBudget>> {
    Some(Box::new(marketdesk_core::ports::MemoryBudget::new()))
}

mod in_process {
    mod budget {
        marketdesk_core::budget_conformance_tests!(crate::memory_budget());
    }
}
