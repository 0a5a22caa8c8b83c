//! The EmpikPlace channel: Mirakl inbox threads.

mod errors;
mod mapping;
mod source;

pub use errors::to_marketplace_error;
pub use source::{api_key_secret, EmpikThreadsSource};
