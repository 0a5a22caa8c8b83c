//! Identifiers of the domain's entities: opaque strings, time-ordered when generated here.

use serde::{Deserialize, Serialize};
use std::fmt;

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
}
