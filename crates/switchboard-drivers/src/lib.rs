//! Drivers: the only code that touches the outside world. `sim` stands in for a real system
//! (the demo runs on it); `exec` runs user commands; `process` and `redfish` follow.

pub mod exec;
pub mod process;
pub mod sim;

pub use exec::ExecDriver;
pub use process::ProcessDriver;
pub use sim::{SimConfig, SimDriver, SimFault};
