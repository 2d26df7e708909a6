//! Privacy: what identifying sensors (Wi-Fi and Bluetooth counters, cameras, plate readers)
//! would reveal about the people who pass them, before anything is deployed. A synthetic
//! population moves through the city ([`population`]); identifying sensors observe the devices
//! in range ([`observe`]); each data stream's handling policy turns sightings into what leaves
//! the edge — pseudonyms ([`pseudonym`]), counts, k-anonymous tables and differentially private
//! releases ([`mechanisms`], [`anonymity`]) — and the adversary's view is measured against the
//! twin's ground truth.

pub mod anonymity;
pub mod evaluate;
pub mod mechanisms;
pub mod observe;
pub mod population;
pub mod pseudonym;
