//! The doctor: what the browser will do with a request to a live server,
//! from the command line, a DevTools "Copy as cURL" or a HAR export; the
//! security probes; the report and the fix.

#![warn(missing_docs)]

pub mod cause;
pub mod check;
pub mod console;
pub mod curl;
pub mod demo;
pub mod diagnose;
pub mod exchange;
pub mod fix_check;
pub mod har;
pub mod har_check;
pub mod network;
pub mod pace;
pub mod probes;
pub mod redact;
pub mod send;
pub mod verify;
