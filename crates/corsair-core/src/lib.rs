//! Corsair's core: pure, synchronous models of CORS.
//!
//! The browser model ([`explain`]) decides what Chrome, Firefox or the Fetch
//! standard does with a cross-origin request given the server's answers, and
//! says it in the browser's own words. No I/O happens here.

#![warn(missing_docs)]

// Test support only: the allocation-counting allocator of the tests and
// benchmarks that prove deciding allocates nothing.
#[cfg(feature = "test-support")]
pub mod alloc_count;
pub mod blink_order;
pub mod browser;
pub mod catalog;
pub mod cors_check;
pub mod cors_error;
pub mod findings;
pub mod http;
pub mod messages;
pub mod policy;
pub mod printable;
pub mod profile;
pub mod scenario;
pub mod server;
pub mod spec;
pub mod spelling;
pub mod verdict;

// The HTTP facts at their old paths, so `corsair_core::method` and the like
// keep working.
pub use http::{
    allow_list, csp, grammar, method, mime, names, origin, request_headers, response_headers,
};

pub use browser::explain;
pub use catalog::{Finding, Severity, Slug};
pub use cors_error::CorsError;
pub use origin::Origin;
pub use profile::Profile;
pub use scenario::{Scenario, ScenarioError};
pub use verdict::{Outcome, Verdict};
