//! The HTTP and Fetch facts both models stand on: origins, the token
//! grammar, methods, the MIME essence, header-name sets, the
//! `Access-Control-Allow-*` lists, safelisted and forbidden request headers,
//! a response's header list, and CSP `connect-src`. Vocabulary, not
//! decisions: what the browser does with it is in [`crate::browser`], what a
//! policy allows is in [`crate::policy`] and [`crate::server`].
//!
//! Each module is also reachable at the crate root (`corsair_core::method`),
//! its path before this folder existed.

pub mod allow_list;
pub mod csp;
pub mod grammar;
pub mod method;
pub mod mime;
pub mod names;
pub mod origin;
pub mod request_headers;
pub mod response_headers;
