//! Drivers: the only code that touches the outside world. `sim` stands in for a real system
//! (the demo runs on it); `exec` runs user commands; `process` runs local daemons; `redfish`
//! powers servers through their BMC.

pub mod exec;
pub mod private;
pub mod process;
pub mod redfish;
pub mod sim;

pub use exec::ExecDriver;
pub use process::ProcessDriver;
pub use redfish::RedfishDriver;
pub use sim::{SimConfig, SimDriver, SimFault};
