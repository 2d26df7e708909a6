//! Measuring a run: the collectors the engine writes into ([`collect::Metrics`]) and the
//! finished [`report::Report`] that the output writers read.

pub mod collect;
pub mod grid;
pub mod report;

pub use collect::Metrics;
pub use report::{LossCause, Report};
