//! Integration tests: one binary, one module per concern. Each test states its oracle.

mod access;
mod accounting;
mod adr;
mod aloha;
mod browser;
mod common;
mod confirmed;
mod determinism;
mod duty_cycle;
mod energy;
mod invalid_scenarios;
mod live;
mod pipeline;
mod privacy;
mod resilience;
mod scalability;
mod shipped;
mod sweep;
