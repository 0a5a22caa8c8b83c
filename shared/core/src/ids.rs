//! Identifiers of the domain's entities: opaque strings, time-ordered when generated here.
//!
//! Ids become parts of store keys (`TICKET#<id>#REPLY#<rid>`), so an id that arrives from
//! outside (a request path) is first checked with [`is_well_formed`] or `parse`: only ASCII
//! letters, digits, `-` and `_`, at most [`MAX_ID_LEN`] of them. Every id marketdesk makes has
//! that form (UUID v7 in hex, `auto-<ticket>-<opening>`, attachment ids `<message>-<n>`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest id accepted from outside, in bytes (generated ids have 32, derived ones under 50).
pub const MAX_ID_LEN: usize = 128;

/// Whether `text` has the form of an id: 1 to [`MAX_ID_LEN`] ASCII letters, digits, `-` or `_`.
/// Store-key separators (`#`), path separators, dots, spaces and control characters are out.
pub fn is_well_formed(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_ID_LEN
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A text that does not have the form of an id (see [`is_well_formed`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an id: ids are 1 to {MAX_ID_LEN} ASCII letters, digits, '-' or '_'")]
pub struct MalformedId;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),+ $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// A new, time-ordered id (UUID v7).
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().simple().to_string())
            }

            /// The id in `text`, if it is well-formed (see [`is_well_formed`]).
            pub fn parse(text: &str) -> Result<Self, MalformedId> {
                if is_well_formed(text) {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(MalformedId)
                }
            }

            /// The id as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    )+};
}

id_type!(
    /// A seller's company: everything else belongs to one tenant.
    TenantId,
    /// A connected marketplace account (Allegro or EmpikPlace).
    IntegrationId,
    /// A ticket: one buyer conversation.
    TicketId,
    /// A message of a ticket.
    MessageId,
    /// A CRM customer.
    CustomerId,
    /// An API key (its public id; the secret is never stored).
    ApiKeyId,
    /// A person who signs in (an admin or an agent of one tenant).
    UserId,
    /// A saved reply (a tenant's reusable answer text).
    SavedReplyId,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unique_and_time_ordered() {
        let a = TicketId::generate();
        let b = TicketId::generate();
        assert_ne!(a, b);
        assert!(a < b, "v7 ids sort by creation time");
        assert_eq!(
            serde_json::to_string(&a).expect("serialise"),
            format!("\"{a}\"")
        );
    }

    #[test]
    fn generated_and_derived_ids_are_well_formed_and_separators_are_not() {
        for ok in [
            TicketId::generate().to_string(),
            format!("auto-{}-12", TicketId::generate()),
            format!("{}-0", MessageId::generate()),
            "tk-t1-C-1".to_owned(),
            "x".repeat(MAX_ID_LEN),
        ] {
            assert!(is_well_formed(&ok), "{ok}");
            assert_eq!(TicketId::parse(&ok).expect("parses").as_str(), ok);
        }
        for bad in [
            "".to_owned(),
            "a#REPLY#b".to_owned(),
            "a/b".to_owned(),
            "a b".to_owned(),
            "a.b".to_owned(),
            "..".to_owned(),
            "ż".to_owned(),
            "a\u{0}".to_owned(),
            "a\n".to_owned(),
            "x".repeat(MAX_ID_LEN + 1),
        ] {
            assert!(!is_well_formed(&bad), "{bad:?}");
            assert_eq!(ApiKeyId::parse(&bad), Err(MalformedId), "{bad:?}");
        }
    }
}
