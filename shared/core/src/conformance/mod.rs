//! The conformance suite: one contract for every adapter of the store, queue and secrets ports.
//!
//! Adapter crates instantiate it with the macros below, giving one named test per rule, so a
//! test run shows which backend passed which rule. Every check uses fresh, uniquely named
//! partitions, queues and secrets, so the suite can run against a shared emulator.

pub mod budget;
pub mod catalogue;
pub mod crm;
pub mod erp_feed;
pub mod offer_commands;
pub mod people;
pub mod polling;
pub mod queue;
pub mod search;
pub mod secrets;
pub mod store;
pub mod views;

/// A prefix unique to one check, so checks never see each other's data.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Declares one `#[tokio::test]` per store rule. `$factory` is an async expression giving
/// `Option<impl Deref<Target = impl Store>>`; `None` skips the test (backend not available).
#[macro_export]
macro_rules! store_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, store;
            conditional_create_refuses_duplicate,
            optimistic_update_with_version,
            query_sort_key_ranges_and_paging,
            secondary_index_queries_are_sparse_and_paged,
            transaction_is_all_or_nothing,
            batched_writes_keep_each_condition,
            items_round_trip_exactly,
            invalid_requests_are_refused);
    };
}

/// Declares one `#[tokio::test]` per queue rule. `$factory` is an async expression giving
/// `Option<(impl Deref<Target = impl Queue>, impl Deref<Target = impl Queue>)>`: a fresh queue
/// whose maximum receive count is [`queue::MAX_RECEIVES`], and its dead-letter queue.
#[macro_export]
macro_rules! queue_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, queue;
            send_receive_delete,
            redelivery_after_visibility_timeout,
            dead_letter_after_max_receives,
            release_makes_a_message_visible_again,
            delayed_send_stays_hidden,
            invalid_requests_are_refused);
    };
}

/// Declares one `#[tokio::test]` per rule of the view index items on a store. `$factory` is
/// as for [`store_conformance_tests`].
#[macro_export]
macro_rules! views_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, views;
            view_entries_follow_the_ticket,
            view_pages_sort_by_deadline_and_activity);
    };
}

/// Declares one `#[tokio::test]` per rule of the people repositories on a store. `$factory`
/// is as for [`store_conformance_tests`].
#[macro_export]
macro_rules! people_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, people;
            users_claim_addresses_and_update_optimistically,
            tokens_are_taken_once,
            sessions_and_failure_counters_round_trip);
    };
}

/// Declares one `#[tokio::test]` per CRM storage rule. `$factory` is an async expression
/// giving `Option<impl Deref<Target = Ports>>` (only the store and the clock are used).
#[macro_export]
macro_rules! crm_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, crm;
            customer_lookups_follow_edits,
            merges_move_tickets_and_guards);
    };
}

/// Declares one `#[tokio::test]` per catalogue storage rule. `$factory` is as for
/// [`crm_conformance_tests`].
#[macro_export]
macro_rules! catalogue_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, catalogue;
            eans_stay_unique_and_changes_come_newest_first,
            concurrent_writers_never_share_an_ean);
    };
}

/// Declares one `#[tokio::test]` per rule of offer commands (stock control, renewal, price
/// sync through the outbox). `$factory` is as for [`crm_conformance_tests`].
#[macro_export]
macro_rules! offer_commands_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, offer_commands;
            a_stock_change_reaches_every_linked_offer_with_one_command_per_group,
            without_raise_stock_an_erp_rise_is_not_pushed,
            a_second_command_waits_for_the_first_and_busy_is_retried,
            a_redelivered_job_sends_nothing_twice,
            an_ended_buy_now_offer_with_stock_renews_once,
            price_changes_reach_the_opted_in_offers_only);
    };
}

/// Declares one `#[tokio::test]` per rule of the ERP order feed on a store. `$factory` is
/// as for [`store_conformance_tests`] (the store must be `Send + Sync + 'static`).
#[macro_export]
macro_rules! erp_feed_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, erp_feed;
            concurrent_writers_and_a_paging_reader_see_every_write_once);
    };
}

/// Declares one `#[tokio::test]` per poll-lease rule. `$factory` is as for
/// [`crm_conformance_tests`] (store and clock used, the poll-jobs queue receives the jobs).
#[macro_export]
macro_rules! polling_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, polling;
            one_poll_per_integration_and_channel,
            a_renewal_racing_a_recorded_read_keeps_the_lease,
            overlapping_ticks_queue_each_due_read_once,
            batched_requests_keep_the_lease_conditions);
    };
}

/// Declares one `#[tokio::test]` per search rule on a store (the identifier entries and the
/// AWS word index). `$factory` is as for [`store_conformance_tests`].
#[macro_export]
macro_rules! search_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, search;
            identifiers_names_and_emails_find_their_tickets,
            store_word_index_answers_newest_first);
    };
}

/// Declares one `#[tokio::test]` per rule of a [`TextIndex`](crate::ports::TextIndex).
/// `$factory` is an async expression giving `Option<impl Deref<Target = impl TextIndex>>`.
#[macro_export]
macro_rules! text_index_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, search;
            text_index_matches_every_word_within_a_ticket);
    };
}

/// Declares one `#[tokio::test]` per request-budget rule. `$factory` is an async expression
/// giving `Option<impl Deref<Target = impl RateBudget>>`.
#[macro_export]
macro_rules! budget_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, budget;
            draws_count_per_second_up_to_the_ceiling,
            a_block_stops_every_draw_until_it_ends,
            bookings_go_ahead_of_the_next_seconds_draws,
            concurrent_draws_never_pass_the_ceiling,
            concurrent_bookings_and_draws_never_pass_the_ceiling);
    };
}

/// Declares one `#[tokio::test]` per secrets rule. `$factory` is an async expression giving
/// `Option<impl Deref<Target = impl Secrets>>`.
#[macro_export]
macro_rules! secrets_conformance_tests {
    ($factory:expr) => {
        $crate::__conformance_tests!($factory, secrets;
            put_get_rotate_delete,
            missing_secret_is_none);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($factory:expr, $suite:ident; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Some(subject) = $factory.await else {
                    eprintln!(
                        "SKIPPED {}::{}: backend not configured",
                        stringify!($suite),
                        stringify!($check)
                    );
                    return;
                };
                $crate::conformance::$suite::$check(subject).await;
            }
        )+
    };
}
