//! citytwin: a digital twin and load tester for city-scale IoT sensor deployments.
//!
//! A planner writes a scenario file ([`scenario`]); the engine ([`sim`]) builds a bevy_ecs
//! World of sensors and gateways and runs it in integer virtual time on pure models
//! ([`model`]); collectors ([`metrics`]) produce a [`metrics::Report`], which the writers
//! ([`output`]) turn into summary.json, timeseries.csv and charts. Readings that reach the
//! network flow on through the data-pipeline designs ([`pipeline`], a discrete-event queueing
//! network); [`ramp`] raises the load run by run until each design breaks; [`sweep`] runs
//! parameter grids with replications across cores and aggregates them with confidence
//! intervals. [`cli`] is the only code that touches argv, the terminal and exit codes.
//!
//! Imports flow one way: cli -> ramp / sweep -> sim -> model / pipeline, sim -> metrics, output
//! reads the Report (and the sweep's aggregates) only.

pub mod cli;
pub mod governance;
pub mod live;
pub mod metrics;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod privacy;
pub mod ramp;
pub mod scenario;
pub mod sim;
pub mod sweep;
pub mod time;
