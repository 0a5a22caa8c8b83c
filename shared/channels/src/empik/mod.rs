//! The EmpikPlace channel: Mirakl inbox threads.

pub mod access;
mod credentials;
pub mod delivery;
mod errors;
mod mapping;
mod position;
mod reasons;
mod source;

pub use access::EmpikAccess;
pub use credentials::EmpikKeyCheck;
pub use delivery::EmpikThreadReplies;
pub use errors::to_marketplace_error;
pub use source::EmpikThreadsSource;
