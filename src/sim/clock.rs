//! The engine clock: the current step's window `[step_start, step_end)` in simulated time.
//! Steps are a batching device only; every event keeps its exact microsecond, and results do
//! not depend on the step width (a test checks this).

use bevy_ecs::resource::Resource;

use crate::time::SimTime;

/// The step being run.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Clock {
    /// Step number.
    pub step: u64,
    /// Inclusive start.
    pub step_start: SimTime,
    /// Exclusive end; receptions ending at or before it are final.
    pub step_end: SimTime,
    /// Set after the last step: everything still on the air is settled.
    pub draining: bool,
}
