//! Governance results for the seed's five principles: the public transparency register (one
//! DTPR-style record per sensor group with the Amsterdam register's fields, [`register`]) and
//! the five-principles scorecard (named checks, pass / warn / fail with a reason, computed from
//! the scenario's declarations and the run's results, [`scorecard`]).

pub mod register;
pub mod scorecard;
