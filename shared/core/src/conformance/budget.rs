//! Conformance checks for [`RateBudget`] adapters: per-second ceilings, blocks that stop every
//! draw, and many workers drawing at once never counting past a ceiling.

use crate::ports::{Admission, RateBudget};
use chrono::{DateTime, Utc};
use std::ops::Deref;
use std::sync::Arc;

fn at(second: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000 + second, 0).expect("a valid instant")
}

/// A second counts up to the ceiling given with each draw; a lower ceiling stops earlier,
/// the next second starts again, and keys do not share counts.
pub async fn draws_count_per_second_up_to_the_ceiling<B: RateBudget + ?Sized>(
    budget: impl Deref<Target = B>,
) {
    let key = super::unique("budget");
    for n in 0..3 {
        assert_eq!(
            budget.draw(&key, Some(5), at(0)).await.expect("draw"),
            Admission::Go,
            "draw {n}"
        );
    }
    assert_eq!(
        budget.draw(&key, Some(3), at(0)).await.expect("draw"),
        Admission::NextSecond,
        "a lower ceiling (background work) stops at its share"
    );
    for _ in 0..2 {
        assert_eq!(
            budget.draw(&key, Some(5), at(0)).await.expect("draw"),
            Admission::Go
        );
    }
    assert_eq!(
        budget.draw(&key, Some(5), at(0)).await.expect("draw"),
        Admission::NextSecond
    );
    assert_eq!(
        budget.draw(&key, None, at(0)).await.expect("draw"),
        Admission::Go,
        "no ceiling, no limit"
    );
    let other = super::unique("budget");
    assert_eq!(
        budget.draw(&other, Some(5), at(0)).await.expect("draw"),
        Admission::Go
    );
    assert_eq!(
        budget.draw(&key, Some(5), at(1)).await.expect("draw"),
        Admission::Go,
        "a new second"
    );
}

/// A block stops every draw of its key until it ends, is reported as new only once, is
/// extended by a later end and never shortened, and is listed while in force.
pub async fn a_block_stops_every_draw_until_it_ends<B: RateBudget + ?Sized>(
    budget: impl Deref<Target = B>,
) {
    let key = super::unique("budget");
    assert!(budget.block(&key, at(60), at(0)).await.expect("block"));
    assert!(!budget
        .block(&key, at(30), at(1))
        .await
        .expect("block again"));
    assert_eq!(
        budget.draw(&key, None, at(45)).await.expect("draw"),
        Admission::Blocked { until: at(60) },
        "an earlier end does not shorten the block"
    );
    assert!(!budget.block(&key, at(90), at(50)).await.expect("extend"));
    assert_eq!(
        budget.draw(&key, Some(100), at(70)).await.expect("draw"),
        Admission::Blocked { until: at(90) }
    );
    let listed = budget.blocks(at(70)).await.expect("blocks");
    let mine: Vec<_> = listed.iter().filter(|b| b.key == key).collect();
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].since, mine[0].until), (at(0), at(90)));
    assert_eq!(
        budget.draw(&key, Some(100), at(90)).await.expect("draw"),
        Admission::Go
    );
    assert!(budget
        .blocks(at(90))
        .await
        .expect("blocks")
        .iter()
        .all(|b| b.key != key));
    assert!(
        budget.block(&key, at(200), at(100)).await.expect("block"),
        "a block after the last one ended is a new one"
    );
}

/// A booking for the next second is counted before that second's draws: with the second's
/// share used up, bookings (at most the ceiling) take the first slots of the next one, the
/// draws there get only what is left, and a block refuses bookings too.
pub async fn bookings_go_ahead_of_the_next_seconds_draws<B: RateBudget + ?Sized>(
    budget: impl Deref<Target = B>,
) {
    let key = super::unique("budget");
    for _ in 0..4 {
        assert_eq!(
            budget.draw(&key, Some(4), at(0)).await.expect("draw"),
            Admission::Go
        );
    }
    assert_eq!(
        budget.draw(&key, Some(4), at(0)).await.expect("draw"),
        Admission::NextSecond,
        "the second's share is used up"
    );
    for n in 0..3 {
        assert_eq!(
            budget.book_next(&key, 3, at(0)).await.expect("book"),
            Admission::Go,
            "booking {n}"
        );
    }
    assert_eq!(
        budget.book_next(&key, 3, at(0)).await.expect("book"),
        Admission::NextSecond,
        "bookings stop at the ceiling"
    );
    assert_eq!(
        budget.draw(&key, Some(4), at(1)).await.expect("draw"),
        Admission::Go,
        "one slot of the next second is left after the three booked"
    );
    assert_eq!(
        budget.draw(&key, Some(4), at(1)).await.expect("draw"),
        Admission::NextSecond,
        "the booked calls were counted first"
    );
    assert_eq!(
        budget.draw(&key, None, at(1)).await.expect("draw"),
        Admission::Go,
        "a reply still goes"
    );
    assert_eq!(
        budget.book_next(&key, 3, at(1)).await.expect("book"),
        Admission::Go,
        "bookings for a later second start again"
    );
    for _ in 0..3 {
        assert_eq!(
            budget.draw(&key, Some(4), at(2)).await.expect("draw"),
            Admission::Go
        );
    }
    assert_eq!(
        budget.draw(&key, Some(4), at(2)).await.expect("draw"),
        Admission::NextSecond
    );
    assert_eq!(
        budget.draw(&key, Some(4), at(3)).await.expect("draw"),
        Admission::Go,
        "bookings count only in their own second"
    );
    assert!(budget.block(&key, at(60), at(3)).await.expect("block"));
    assert_eq!(
        budget.book_next(&key, 3, at(4)).await.expect("book"),
        Admission::Blocked { until: at(60) }
    );
}

/// Twenty workers drawing at once in one second get exactly the ceiling's worth of `Go`.
pub async fn concurrent_draws_never_pass_the_ceiling<B: RateBudget + ?Sized + 'static>(
    budget: impl Deref<Target = B>,
) {
    let key = super::unique("budget");
    let budget: &B = &budget;
    let goes = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let draws = (0..20).map(|_| {
        let key = key.clone();
        let goes = goes.clone();
        async move {
            for _ in 0..3 {
                if budget.draw(&key, Some(25), at(0)).await.expect("draw") == Admission::Go {
                    goes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
    });
    futures_util::future::join_all(draws).await;
    assert_eq!(goes.load(std::sync::atomic::Ordering::SeqCst), 25);
}

/// Bookings for a second racing the draws that start it: every booking that was made is
/// counted in it, so bookings and draws together never pass the draws' ceiling.
pub async fn concurrent_bookings_and_draws_never_pass_the_ceiling<
    B: RateBudget + ?Sized + 'static,
>(
    budget: impl Deref<Target = B>,
) {
    use std::sync::atomic::{AtomicU32, Ordering};
    let key = super::unique("budget");
    let budget: &B = &budget;
    let booked = Arc::new(AtomicU32::new(0));
    let drawn = Arc::new(AtomicU32::new(0));
    let bookings = (0..10).map(|_| {
        let (key, booked) = (key.clone(), booked.clone());
        async move {
            if budget.book_next(&key, 5, at(0)).await.expect("book") == Admission::Go {
                booked.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    let draws = (0..12).map(|_| {
        let (key, drawn) = (key.clone(), drawn.clone());
        async move {
            if budget.draw(&key, Some(8), at(1)).await.expect("draw") == Admission::Go {
                drawn.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    futures_util::future::join(
        futures_util::future::join_all(bookings),
        futures_util::future::join_all(draws),
    )
    .await;
    let (booked, mut drawn) = (booked.load(Ordering::SeqCst), drawn.load(Ordering::SeqCst));
    assert!(booked <= 5, "{booked} booked");
    assert!(booked + drawn <= 8, "{booked} booked + {drawn} drawn");
    // A draw that lost every race gave up; the rest of the second, drawn one by one, is
    // exactly what the bookings left: every booking made was counted.
    for _ in 0..10 {
        if budget.draw(&key, Some(8), at(1)).await.expect("draw") == Admission::Go {
            drawn += 1;
        }
    }
    assert_eq!(booked + drawn, 8, "{booked} booked + {drawn} drawn");
}
