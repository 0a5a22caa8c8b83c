//! Labels of `REASON_CODE` topics (RE02 `ORDER_MESSAGING`, in Polish), cached in the cursor
//! position per shop: read when a new thread needs a label and the cache is older than a day,
//! or does not know the code and is older than 10 minutes (the operator added a reason). Idle
//! polls never read them.

use super::position::ReasonLabels;
use chrono::{DateTime, Duration, Utc};
use marketdesk_core::ports::MarketplaceError;
use marketdesk_mirakl::{MiraklClient, MiraklError, REASONS_ORDER_MESSAGING};
use std::collections::BTreeSet;

/// Labels older than this are read again when a new thread needs one.
pub(crate) const REFRESH_AFTER: Duration = Duration::hours(24);
/// A code the labels do not know is looked up again once they are this old.
pub(crate) const UNKNOWN_CODE_REFRESH_AFTER: Duration = Duration::minutes(10);
/// The language of the labels (EmpikPlace sellers work in Polish).
pub(crate) const LOCALE: &str = "pl_PL";

/// Whether `cache` must be read again to label `codes` at `now`.
pub(crate) fn needs_refresh(
    cache: Option<&ReasonLabels>,
    codes: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> bool {
    if codes.is_empty() {
        return false;
    }
    let Some(cache) = cache else {
        return true;
    };
    let age = now - cache.read_at;
    age >= REFRESH_AFTER
        || (age >= UNKNOWN_CODE_REFRESH_AFTER
            && codes.iter().any(|code| !cache.labels.contains_key(code)))
}

/// Reads the labels again. A passing failure (network, 5xx, 429) with a code the old labels
/// cannot name fails the poll, which is retried with nothing lost; any other failure (the key
/// lacks the role RE02 needs, RE02 is gone) keeps the old labels, stamped `now` so the next
/// try waits like a refresh would, and the tickets get a subject naming the code.
pub(crate) async fn refresh(
    client: &MiraklClient,
    cache: Option<ReasonLabels>,
    codes: &BTreeSet<String>,
    now: DateTime<Utc>,
) -> Result<ReasonLabels, MarketplaceError> {
    match client.reasons(REASONS_ORDER_MESSAGING, Some(LOCALE)).await {
        Ok(reasons) => Ok(ReasonLabels {
            read_at: now,
            labels: reasons
                .into_iter()
                .filter(|r| !r.label.trim().is_empty())
                .map(|r| (r.code, r.label))
                .collect(),
        }),
        Err(error) => {
            let passing = matches!(
                error,
                MiraklError::Network(_)
                    | MiraklError::Server { .. }
                    | MiraklError::RateLimited { .. }
            );
            let old = cache.unwrap_or_default();
            let named = codes.iter().all(|code| old.labels.contains_key(code));
            if passing && !named {
                return Err(super::to_marketplace_error(error));
            }
            tracing::warn!(%error, "EmpikPlace reason labels (RE02) unreadable; keeping the old ones");
            Ok(ReasonLabels {
                read_at: now,
                labels: old.labels,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn labels_are_read_when_missing_a_day_old_or_ten_minutes_old_and_lacking_a_code() {
        let now = Utc::now();
        let codes = BTreeSet::from(["23".to_owned()]);
        let cache = |age: Duration, code: &str| ReasonLabels {
            read_at: now - age,
            labels: BTreeMap::from([(code.to_owned(), "label".to_owned())]),
        };
        assert!(
            !needs_refresh(None, &BTreeSet::new(), now),
            "no code, no call"
        );
        assert!(needs_refresh(None, &codes, now));
        assert!(!needs_refresh(
            Some(&cache(Duration::hours(23), "23")),
            &codes,
            now
        ));
        assert!(needs_refresh(
            Some(&cache(Duration::hours(24), "23")),
            &codes,
            now
        ));
        assert!(!needs_refresh(
            Some(&cache(Duration::minutes(9), "24")),
            &codes,
            now
        ));
        assert!(needs_refresh(
            Some(&cache(Duration::minutes(10), "24")),
            &codes,
            now
        ));
    }
}
