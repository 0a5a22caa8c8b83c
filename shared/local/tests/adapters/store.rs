use marketdesk_core::ports::{
    Condition, Index, IndexKey, Item, Key, PageCursor, Query, SortKeyCondition, Store, StoreError,
    WriteOp,
};
use marketdesk_local::SqliteStore;
use serde_json::json;

async fn put_all(store: &SqliteStore, items: impl IntoIterator<Item = Item>) {
    for item in items {
        store.put(item, Condition::NotExists).await.expect("put");
    }
}

async fn all_sort_keys(store: &SqliteStore, mut query: Query) -> Vec<String> {
    let mut keys = Vec::new();
    loop {
        let page = store.query(&query).await.expect("query");
        keys.extend(page.items.into_iter().map(|i| i.key.sk));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return keys,
        }
    }
}

#[tokio::test]
async fn begins_with_treats_wildcards_and_case_literally() {
    let store = SqliteStore::open_in_memory().expect("store");
    let sks = ["A%1", "AB", "A_2", "AX", "a%3", "A%"];
    put_all(
        &store,
        sks.map(|sk| Item::new(Key::new("P", sk), json!({}))),
    )
    .await;
    let prefix = |p: &str| Query::partition("P").sort(SortKeyCondition::BeginsWith(p.into()));
    assert_eq!(all_sort_keys(&store, prefix("A%")).await, ["A%", "A%1"]);
    assert_eq!(all_sort_keys(&store, prefix("A_")).await, ["A_2"]);
    assert_eq!(all_sort_keys(&store, prefix("a")).await, ["a%3"]);
    assert_eq!(all_sort_keys(&store, prefix("")).await.len(), sks.len());
}

#[tokio::test]
async fn sort_keys_order_as_utf8_bytes() {
    let store = SqliteStore::open_in_memory().expect("store");
    let mut sks = vec![
        "Z",
        "a",
        "ą",
        "é",
        "z",
        "\u{D7FF}",
        "\u{E000}",
        "\u{10000}",
        "ż1",
        "ż2",
    ];
    put_all(
        &store,
        sks.iter()
            .map(|sk| Item::new(Key::new("P", *sk), json!({}))),
    )
    .await;
    sks.sort(); // Rust orders strings by their UTF-8 bytes, as DynamoDB does.
    assert_eq!(
        all_sort_keys(&store, Query::partition("P").limit(3)).await,
        sks
    );
    let z = Query::partition("P").sort(SortKeyCondition::BeginsWith("ż".into()));
    assert_eq!(all_sort_keys(&store, z).await, ["ż1", "ż2"]);
    let last = Query::partition("P").sort(SortKeyCondition::BeginsWith("\u{D7FF}".into()));
    assert_eq!(all_sort_keys(&store, last).await, ["\u{D7FF}"]);
}

#[tokio::test]
async fn index_ties_page_exactly_both_ways() {
    let store = SqliteStore::open_in_memory().expect("store");
    let items = (0..10).map(|n| {
        Item::new(
            Key::new(format!("P{}", n % 3), format!("S{n}")),
            json!({"n": n}),
        )
        .with_index(Index::Gsi1, IndexKey::new("SAME", "tie"))
    });
    put_all(&store, items).await;
    let query = Query::index(Index::Gsi1, "SAME").limit(3);
    let ascending = collect_keys(&store, query.clone()).await;
    let mut descending = collect_keys(&store, query.descending()).await;
    assert_eq!(ascending.len(), 10);
    let mut sorted = ascending.clone();
    sorted.sort();
    assert_eq!(ascending, sorted, "ties ordered by primary key");
    descending.reverse();
    assert_eq!(ascending, descending);
}

async fn collect_keys(store: &SqliteStore, mut query: Query) -> Vec<Key> {
    let mut keys = Vec::new();
    loop {
        let page = store.query(&query).await.expect("query");
        keys.extend(page.items.into_iter().map(|i| i.key));
        match page.next {
            Some(next) => query.after = Some(next),
            None => return keys,
        }
    }
}

#[tokio::test]
async fn next_is_none_exactly_at_the_end() {
    let store = SqliteStore::open_in_memory().expect("store");
    put_all(
        &store,
        (0..4).map(|n| Item::new(Key::new("P", format!("S{n}")), json!({}))),
    )
    .await;
    let first = store
        .query(&Query::partition("P").limit(2))
        .await
        .expect("query");
    assert!(first.next.is_some());
    let second = store
        .query(&Query::partition("P").limit(2).after(first.next.clone()))
        .await
        .expect("query");
    assert_eq!(second.items.len(), 2);
    assert!(second.next.is_none(), "a full last page has no cursor");

    for other in [
        Query::partition("Q").after(first.next.clone()),
        Query::index(Index::Gsi1, "P").after(first.next.clone()),
        Query::partition("P").after(Some(PageCursor(String::new()))),
    ] {
        let err = store.query(&other).await.expect_err("foreign cursor");
        assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
    }
}

#[tokio::test]
async fn transactions_report_every_failing_position() {
    let store = SqliteStore::open_in_memory().expect("store");
    put_all(&store, [Item::new(Key::new("P", "exists"), json!({}))]).await;
    let ops = vec![
        WriteOp::Check {
            key: Key::new("P", "missing"),
            condition: Condition::Exists,
        },
        WriteOp::Put {
            item: Item::new(Key::new("P", "new"), json!({})),
            condition: Condition::NotExists,
        },
        WriteOp::Delete {
            key: Key::new("P", "exists"),
            condition: Condition::VersionIs(9),
        },
    ];
    let err = store.transact(ops).await.expect_err("two conditions fail");
    assert!(
        matches!(err, StoreError::TransactionCancelled(ref f) if f == &vec![0, 2]),
        "got {err:?}"
    );
    assert!(store
        .get(&Key::new("P", "new"))
        .await
        .expect("get")
        .is_none());
}

#[tokio::test]
async fn unrepresentable_items_are_refused() {
    let store = SqliteStore::open_in_memory().expect("store");
    let cases = [
        Item::new(Key::new("", "S"), json!({})),
        Item::new(Key::new("P", ""), json!({})),
        Item::new(Key::new("P", "S"), json!({})).with_index(Index::Gsi2, IndexKey::new("I", "")),
        Item {
            version: u64::MAX,
            ..Item::new(Key::new("P", "S"), json!({}))
        },
    ];
    for item in cases {
        let err = store.put(item, Condition::None).await.expect_err("refused");
        assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
    }
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    let store = SqliteStore::open(&path).expect("store");
    let key = Key::new("P", "S");
    put_all(&store, [Item::new(key.clone(), json!({"ok": true}))]).await;
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    for damage in [
        "UPDATE items SET data = 'not json'",
        "UPDATE items SET data = '{}', version = -1",
        "UPDATE items SET version = 1, gsi1pk = 'only the partition'",
    ] {
        raw.execute(damage, []).expect("damage");
        let err = store.get(&key).await.expect_err("corrupt");
        assert!(
            matches!(err, StoreError::Corrupt(ref m) if m.contains("P/S")),
            "got {err:?}"
        );
    }
}

#[tokio::test]
async fn items_persist_and_expired_ones_can_be_purged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("store.sqlite");
    {
        let store = SqliteStore::open(&path).expect("store");
        put_all(
            &store,
            [
                Item::new(Key::new("P", "old"), json!({})).with_expiry(100),
                Item::new(Key::new("P", "new"), json!({})).with_expiry(300),
                Item::new(Key::new("P", "forever"), json!({})),
            ],
        )
        .await;
    }
    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(store.purge_expired(200).await.expect("purge"), 1);
    assert_eq!(
        all_sort_keys(&store, Query::partition("P")).await,
        ["forever", "new"]
    );
}
