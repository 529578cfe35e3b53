//! Corsair's HTML: every page the `corsair` binary writes or serves (the
//! `--html` reports, `corsair ui`, the gateway's dashboard) is built here
//! from three parts, so that untrusted text has one way in:
//!
//! - [`escape`]: the one escaping function. Every value from a server, a
//!   HAR, a paste or a policy file goes through it, and nothing else turns
//!   text into markup.
//! - [`Html`]: a markup writer whose only door for dynamic text is
//!   [`Html::text`] (escaped); tags and attribute names are `&'static str`,
//!   so they are the program's, never the input's.
//! - [`document`]: the page shell: inline CSS, a Content-Security-Policy that
//!   allows no script and no network asset, nothing fetched from anywhere.

#![warn(missing_docs)]

mod escape;
mod markup;
mod page;

pub use escape::escape;
pub use markup::Html;
pub use page::{document, refreshing, Csp};
