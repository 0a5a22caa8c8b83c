//! The autoresponder: one answer to the buyer's first message of each opening of a
//! conversation, within 60 minutes of it, never after a seller's answer, never twice.
//!
//! Ingest plans it ([`plan`]) and answers it at once when due, else queues a delayed wake-up
//! ([`wake`]) that answers it when due ([`due`]; the scheduler tick is the fallback); the sender
//! delivers the reply like any other and, for autoresponses, checks the deadline once more and
//! tells the configured addresses ([`notify`]).

pub mod due;
pub mod notify;
pub mod plan;
pub mod text;
pub mod wake;
