//! Drivers: the only code that touches the outside world. `sim` stands in for a real system
//! (the demo runs on it); `process`, `redfish` and `exec` follow.

pub mod sim;

pub use sim::{SimConfig, SimDriver, SimFault};
