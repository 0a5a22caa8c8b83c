//! Conformance checks for [`Store`] adapters.

use crate::ports::store::{
    Condition, Index, IndexKey, Item, Key, Query, SortKeyCondition, Store, StoreError, WriteOp,
};
use serde_json::json;
use std::ops::Deref;

fn partition(label: &str) -> String {
    format!("CONF#{}#{label}", super::unique("p"))
}

async fn all_pages<S: Store + ?Sized>(store: &S, query: Query) -> Vec<Item> {
    let mut items = Vec::new();
    let mut query = query;
    for _ in 0..1000 {
        let page = store.query(&query).await.expect("query");
        assert!(
            page.items.len() <= query.limit as usize,
            "a page holds at most `limit` items"
        );
        items.extend(page.items);
        match page.next {
            Some(cursor) => query.after = Some(cursor),
            None => return items,
        }
    }
    panic!("paging did not end");
}

fn sort_keys(items: &[Item]) -> Vec<String> {
    items.iter().map(|i| i.key.sk.clone()).collect()
}

/// A create conditioned on absence succeeds once and then refuses, leaving the first item.
pub async fn conditional_create_refuses_duplicate<S: Store + ?Sized>(
    store: impl Deref<Target = S>,
) {
    let key = Key::new(partition("dup"), "EXT#allegro#issue-1");
    let first = Item::new(key.clone(), json!({"ticket": "T1"}));
    store
        .put(first.clone(), Condition::NotExists)
        .await
        .expect("first create");
    let second = Item::new(key.clone(), json!({"ticket": "T2"}));
    let err = store
        .put(second, Condition::NotExists)
        .await
        .expect_err("duplicate create must be refused");
    assert!(matches!(err, StoreError::ConditionFailed), "got {err:?}");
    let stored = store.get(&key).await.expect("get").expect("item exists");
    assert_eq!(stored.data, json!({"ticket": "T1"}), "the first write wins");
    assert_eq!(stored.version, 1);
}

/// Updates conditioned on the version read succeed once; stale writers are refused.
pub async fn optimistic_update_with_version<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    let key = Key::new(partition("ver"), "TICKET#1");
    store
        .put(
            Item::new(key.clone(), json!({"status": "new"})),
            Condition::NotExists,
        )
        .await
        .expect("create");
    let read_by_a = store.get(&key).await.expect("get").expect("exists");
    let read_by_b = read_by_a.clone();

    let (update_a, cond_a) = read_by_a.next_version(json!({"status": "open"}));
    store
        .put(update_a, cond_a)
        .await
        .expect("first writer wins");

    let (update_b, cond_b) = read_by_b.next_version(json!({"status": "closed"}));
    let err = store.put(update_b, cond_b).await.expect_err("stale writer");
    assert!(matches!(err, StoreError::ConditionFailed), "got {err:?}");

    let stored = store.get(&key).await.expect("get").expect("exists");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.data, json!({"status": "open"}));

    let missing = Key::new(partition("ver"), "TICKET#missing");
    for condition in [Condition::VersionIs(1), Condition::Exists] {
        let err = store
            .put(Item::new(missing.clone(), json!({})), condition)
            .await
            .expect_err("conditions on a missing item fail");
        assert!(matches!(err, StoreError::ConditionFailed), "got {err:?}");
    }
    assert!(store.get(&missing).await.expect("get").is_none());

    let err = store
        .delete(&key, Condition::VersionIs(1))
        .await
        .expect_err("delete at a stale version");
    assert!(matches!(err, StoreError::ConditionFailed), "got {err:?}");
    store
        .delete(&key, Condition::VersionIs(2))
        .await
        .expect("delete at the current version");
    assert!(store.get(&key).await.expect("get").is_none());
    store
        .delete(&key, Condition::None)
        .await
        .expect("deleting nothing is fine");

    store
        .put(Item::new(key.clone(), json!({"n": 1})), Condition::None)
        .await
        .expect("unconditional put");
    store
        .put(Item::new(key.clone(), json!({"n": 2})), Condition::None)
        .await
        .expect("unconditional overwrite");
    let stored = store.get(&key).await.expect("get").expect("exists");
    assert_eq!(stored.data, json!({"n": 2}));
}

/// Sort-key conditions select the right items, in order both ways, across pages.
pub async fn query_sort_key_ranges_and_paging<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    let pk = partition("range");
    let neighbour = partition("range-other");
    for n in 0..23 {
        let item = Item::new(Key::new(pk.clone(), format!("MSG#{n:03}")), json!({"n": n}));
        store.put(item, Condition::NotExists).await.expect("put");
    }
    for sk in ["AAA", "MSF", "MSH", "ZZZ"] {
        store
            .put(
                Item::new(Key::new(pk.clone(), sk), json!({})),
                Condition::NotExists,
            )
            .await
            .expect("put");
    }
    store
        .put(
            Item::new(Key::new(neighbour, "MSG#000"), json!({})),
            Condition::NotExists,
        )
        .await
        .expect("put");

    let expected: Vec<String> = (0..23).map(|n| format!("MSG#{n:03}")).collect();
    let prefix = Query::partition(pk.clone())
        .sort(SortKeyCondition::BeginsWith("MSG#".into()))
        .limit(5);
    let got = all_pages(&*store, prefix.clone()).await;
    assert_eq!(
        sort_keys(&got),
        expected,
        "prefix query, ascending, paged by 5"
    );
    assert_eq!(got[7].data, json!({"n": 7}));

    let got = all_pages(&*store, prefix.descending()).await;
    let mut reversed = expected.clone();
    reversed.reverse();
    assert_eq!(sort_keys(&got), reversed, "prefix query, descending");

    let first = store
        .query(
            &Query::partition(pk.clone())
                .sort(SortKeyCondition::BeginsWith("MSG#".into()))
                .limit(4),
        )
        .await
        .expect("query");
    assert_eq!(first.items.len(), 4, "a full page when more items exist");
    assert!(first.next.is_some(), "a cursor when more items exist");

    let between = Query::partition(pk.clone())
        .sort(SortKeyCondition::Between(
            "MSG#005".into(),
            "MSG#009".into(),
        ))
        .limit(2);
    assert_eq!(
        sort_keys(&all_pages(&*store, between).await),
        expected[5..=9].to_vec(),
        "between includes both bounds"
    );

    let at_least = Query::partition(pk.clone()).sort(SortKeyCondition::AtLeast("MSG#020".into()));
    assert_eq!(
        sort_keys(&all_pages(&*store, at_least).await),
        vec!["MSG#020", "MSG#021", "MSG#022", "MSH", "ZZZ"]
    );
    let at_most = Query::partition(pk.clone()).sort(SortKeyCondition::AtMost("MSG#001".into()));
    assert_eq!(
        sort_keys(&all_pages(&*store, at_most).await),
        vec!["AAA", "MSF", "MSG#000", "MSG#001"]
    );
    let equals = Query::partition(pk.clone()).sort(SortKeyCondition::Equals("MSH".into()));
    assert_eq!(sort_keys(&all_pages(&*store, equals).await), vec!["MSH"]);

    let everything = all_pages(&*store, Query::partition(pk.clone()).limit(1000)).await;
    assert_eq!(everything.len(), 27, "a partition holds only its own items");

    let empty = store
        .query(&Query::partition(partition("nothing-here")))
        .await
        .expect("query");
    assert!(empty.items.is_empty());
    assert!(empty.next.is_none());
}

/// Index queries see only items carrying that index's key, ordered by the index sort key
/// (ties included), and follow updates that move or drop an item's index key.
///
/// Reads the index right after writing: DynamoDB Local and SQLite update indexes at once;
/// real DynamoDB GSIs are eventually consistent, so the domain never relies on that.
pub async fn secondary_index_queries_are_sparse_and_paged<S: Store + ?Sized>(
    store: impl Deref<Target = S>,
) {
    let pk = partition("gsi");
    let status_partition = format!("{pk}#STATUS#open");
    let field_partition = format!("{pk}#FIELD#allegro-login#jan_kowalski");
    for n in 0..12 {
        let updated = format!("2026-11-{:02}", 10 + n / 2); // pairs share a sort key
        let mut item = Item::new(
            Key::new(pk.clone(), format!("TICKET#{n:02}")),
            json!({"n": n}),
        )
        .with_index(
            Index::Gsi1,
            IndexKey::new(status_partition.clone(), updated),
        );
        if n % 3 == 0 {
            item = item.with_index(
                Index::Gsi2,
                IndexKey::new(field_partition.clone(), format!("C#{n:02}")),
            );
        }
        store.put(item, Condition::NotExists).await.expect("put");
    }
    store
        .put(
            Item::new(Key::new(pk.clone(), "NOT-INDEXED"), json!({})),
            Condition::NotExists,
        )
        .await
        .expect("put");

    let got = all_pages(
        &*store,
        Query::index(Index::Gsi1, status_partition.clone()).limit(5),
    )
    .await;
    assert_eq!(
        got.len(),
        12,
        "every indexed item once, across pages with ties"
    );
    let mut tickets: Vec<String> = sort_keys(&got);
    tickets.sort();
    tickets.dedup();
    assert_eq!(tickets.len(), 12, "no item twice");
    let index_sort: Vec<String> = got
        .iter()
        .map(|i| {
            i.index_key(Index::Gsi1)
                .expect("index key read back")
                .sk
                .clone()
        })
        .collect();
    let mut sorted = index_sort.clone();
    sorted.sort();
    assert_eq!(index_sort, sorted, "ordered by the index sort key");

    let recent = all_pages(
        &*store,
        Query::index(Index::Gsi1, status_partition.clone())
            .sort(SortKeyCondition::AtLeast("2026-11-14".into()))
            .descending()
            .limit(3),
    )
    .await;
    assert_eq!(recent.len(), 4);
    assert!(recent.iter().all(|i| i
        .index_key(Index::Gsi1)
        .is_some_and(|k| k.sk.as_str() >= "2026-11-14")));
    assert_eq!(
        recent[0].index_key(Index::Gsi1).map(|k| k.sk.as_str()),
        Some("2026-11-15"),
        "descending starts at the highest index sort key"
    );

    let customers = all_pages(&*store, Query::index(Index::Gsi2, field_partition.clone())).await;
    assert_eq!(
        sort_keys(&customers),
        vec!["TICKET#00", "TICKET#03", "TICKET#06", "TICKET#09"]
    );
    let by_gsi3 = store
        .query(&Query::index(Index::Gsi3, status_partition.clone()))
        .await
        .expect("query");
    assert!(by_gsi3.items.is_empty(), "indexes do not share partitions");

    // Moving an item to another index partition, and dropping it from an index.
    let key = Key::new(pk.clone(), "TICKET#00");
    let current = store.get(&key).await.expect("get").expect("exists");
    let (mut moved, cond) = current.next_version(json!({"n": 0, "status": "closed"}));
    moved.indexes[Index::Gsi1.position()] =
        Some(IndexKey::new(format!("{pk}#STATUS#closed"), "2026-11-20"));
    moved.indexes[Index::Gsi2.position()] = None;
    store.put(moved, cond).await.expect("update");
    let open = all_pages(
        &*store,
        Query::index(Index::Gsi1, status_partition).limit(100),
    )
    .await;
    assert_eq!(open.len(), 11);
    let closed = all_pages(
        &*store,
        Query::index(Index::Gsi1, format!("{pk}#STATUS#closed")),
    )
    .await;
    assert_eq!(sort_keys(&closed), vec!["TICKET#00"]);
    assert_eq!(closed[0].data, json!({"n": 0, "status": "closed"}));
    let customers = all_pages(&*store, Query::index(Index::Gsi2, field_partition)).await;
    assert_eq!(
        customers.len(),
        3,
        "an item without the key leaves the index"
    );
}

/// A transaction applies every write or, when one condition fails, none of them.
pub async fn transaction_is_all_or_nothing<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    let pk = partition("tx");
    let ticket = Key::new(pk.clone(), "TICKET#1");
    let guard = Key::new(pk.clone(), "EXT#allegro#issue-9");
    let counter = Key::new(pk.clone(), "COUNTER");
    store
        .put(
            Item::new(guard.clone(), json!({"ticket": "existing"})),
            Condition::NotExists,
        )
        .await
        .expect("seed guard");
    store
        .put(
            Item::new(counter.clone(), json!({"n": 1})),
            Condition::NotExists,
        )
        .await
        .expect("seed counter");

    let failing = vec![
        WriteOp::Put {
            item: Item::new(ticket.clone(), json!({"subject": "Broken parcel"})),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: Item::new(guard.clone(), json!({"ticket": "new"})),
            condition: Condition::NotExists,
        },
        WriteOp::Put {
            item: Item {
                version: 2,
                ..Item::new(counter.clone(), json!({"n": 2}))
            },
            condition: Condition::VersionIs(1),
        },
    ];
    let err = store.transact(failing).await.expect_err("guard exists");
    match err {
        StoreError::TransactionCancelled(failed) => assert_eq!(failed, vec![1]),
        other => panic!("expected TransactionCancelled, got {other:?}"),
    }
    assert!(
        store.get(&ticket).await.expect("get").is_none(),
        "nothing applied"
    );
    let counter_now = store.get(&counter).await.expect("get").expect("exists");
    assert_eq!(counter_now.version, 1, "nothing applied");
    assert_eq!(
        store.get(&guard).await.expect("get").expect("exists").data,
        json!({"ticket": "existing"})
    );

    let succeeding = vec![
        WriteOp::Put {
            item: Item::new(ticket.clone(), json!({"subject": "Broken parcel"})),
            condition: Condition::NotExists,
        },
        WriteOp::Delete {
            key: guard.clone(),
            condition: Condition::Exists,
        },
        WriteOp::Check {
            key: counter.clone(),
            condition: Condition::VersionIs(1),
        },
    ];
    store
        .transact(succeeding)
        .await
        .expect("all conditions hold");
    assert!(store.get(&ticket).await.expect("get").is_some());
    assert!(store.get(&guard).await.expect("get").is_none());

    let check_fails = vec![
        WriteOp::Put {
            item: Item::new(Key::new(pk.clone(), "TICKET#2"), json!({})),
            condition: Condition::None,
        },
        WriteOp::Check {
            key: counter.clone(),
            condition: Condition::VersionIs(7),
        },
    ];
    let err = store.transact(check_fails).await.expect_err("check fails");
    assert!(
        matches!(err, StoreError::TransactionCancelled(ref f) if f == &vec![1]),
        "got {err:?}"
    );
    assert!(store
        .get(&Key::new(pk.clone(), "TICKET#2"))
        .await
        .expect("get")
        .is_none());

    let same_key_twice = vec![
        WriteOp::Put {
            item: Item::new(ticket.clone(), json!({})),
            condition: Condition::None,
        },
        WriteOp::Delete {
            key: ticket.clone(),
            condition: Condition::None,
        },
    ];
    let err = store
        .transact(same_key_twice)
        .await
        .expect_err("duplicate keys");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
}

/// Bodies, index keys, versions and expiry read back exactly as written.
pub async fn items_round_trip_exactly<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    let key = Key::new(partition("rt"), "CUSTOMER#żółw");
    let data = json!({
        "name": "Zażółć gęślą jaźń",
        "emails": ["jan+x1@allegromail.pl", "jan@allegromail.pl"],
        "fields": {"Allegro login": "jan_kowalski"},
        "score": 12.5,
        "count": 9_007_199_254_740_991_u64,
        "nothing": null,
        "flag": true,
        "empty": "",
        "nested": [[], {}, [1, "two"]]
    });
    let item = Item {
        version: 41,
        ..Item::new(key.clone(), data)
    }
    .with_index(
        Index::Gsi3,
        IndexKey::new(partition("due"), "2026-11-22T10:00:00Z"),
    )
    .with_expiry(1_795_000_000);
    store.put(item.clone(), Condition::None).await.expect("put");
    let stored = store.get(&key).await.expect("get").expect("exists");
    assert_eq!(stored, item);
}

/// Requests that break the shared limits are refused without changing anything.
pub async fn invalid_requests_are_refused<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    for limit in [0, 1001] {
        let err = store
            .query(&Query::partition(partition("inv")).limit(limit))
            .await
            .expect_err("limit out of range");
        assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
    }
    let err = store
        .query(
            &Query::partition(partition("inv"))
                .after(Some(crate::ports::PageCursor("not a cursor".into()))),
        )
        .await
        .expect_err("garbage cursor");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
    let err = store
        .transact(Vec::new())
        .await
        .expect_err("empty transaction");
    assert!(matches!(err, StoreError::Invalid(_)), "got {err:?}");
}

/// A batch of conditional writes ([`Store::put_each`]) applies each write whose own
/// condition holds and only those (not all-or-nothing), answering which; a batch naming a
/// key twice is refused; [`Store::get_each`] answers every key in order, absent ones too.
pub async fn batched_writes_keep_each_condition<S: Store + ?Sized>(store: impl Deref<Target = S>) {
    let pk = partition("batch");
    let key = |n: usize| Key::new(pk.clone(), format!("LEASE#{n}"));
    store
        .put(
            Item::new(key(0), json!({"holder": "live"})),
            Condition::NotExists,
        )
        .await
        .expect("seed 0");
    store
        .put(
            Item::new(key(1), json!({"holder": "old"})),
            Condition::NotExists,
        )
        .await
        .expect("seed 1");
    let next = |n: usize, holder: &str| Item {
        version: 2,
        ..Item::new(key(n), json!({ "holder": holder }))
    };
    let written = store
        .put_each(vec![
            // Held: a create must not overwrite it.
            (
                Item::new(key(0), json!({"holder": "new"})),
                Condition::NotExists,
            ),
            // The version read: the update holds.
            (next(1, "new"), Condition::VersionIs(1)),
            // Free: created.
            (
                Item::new(key(2), json!({"holder": "new"})),
                Condition::NotExists,
            ),
            // A stale version: refused.
            (next(3, "new"), Condition::VersionIs(7)),
        ])
        .await
        .expect("batch");
    assert_eq!(written, [false, true, true, false]);
    let items = store
        .get_each(&[key(0), key(1), key(2), key(3)])
        .await
        .expect("read back");
    let holders: Vec<Option<&str>> = items
        .iter()
        .map(|item| item.as_ref().and_then(|item| item.data["holder"].as_str()))
        .collect();
    assert_eq!(holders, [Some("live"), Some("new"), Some("new"), None]);
    assert_eq!(items[1].as_ref().map(|item| item.version), Some(2));
    let twice = store
        .put_each(vec![
            (Item::new(key(5), json!({})), Condition::None),
            (Item::new(key(5), json!({})), Condition::None),
        ])
        .await;
    assert!(matches!(twice, Err(StoreError::Invalid(_))), "{twice:?}");
    assert_eq!(
        store.get(&key(5)).await.expect("get"),
        None,
        "nothing written"
    );
    assert_eq!(
        store.put_each(Vec::new()).await.expect("empty"),
        Vec::<bool>::new()
    );
}
