//! Pure domain maths, free of the engine: radio physics (airtime, link budget, propagation) for
//! LoRaWAN, cellular IoT and Wi-Fi; device energy, batteries and solar harvest; carbon and cost
//! arithmetic; failure processes; random streams and distributions. Every formula here is
//! testable alone against the closed forms of REFERENCE.md; nothing here knows about bevy_ecs,
//! files or the clock.

pub mod adr;
pub mod area;
pub mod battery;
pub mod cellular;
pub mod cost;
pub mod duty_cycle;
pub mod energy;
pub mod failure;
pub mod interference;
pub mod radio;
pub mod random;
pub mod solar;
pub mod wifi;
