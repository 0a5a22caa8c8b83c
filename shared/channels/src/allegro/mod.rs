//! The Allegro channels: post-purchase issues and Message Center threads.

pub mod subjects;
