//! The Allegro channels: post-purchase issues and Message Center threads.

pub mod connect;
pub mod subjects;
