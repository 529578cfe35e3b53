//! The console lines browsers print for a CORS failure, byte for byte.

pub mod chrome;
pub mod firefox;
pub mod safari;

use crate::scenario::Initiator;

/// Where the failure happened, as the messages name it.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    /// `fetch()` or XHR.
    pub initiator: Initiator,
    /// The URL whose answer failed.
    pub url: &'a str,
    /// The first URL, when the request was redirected.
    pub redirected_from: Option<&'a str>,
    /// The page's origin.
    pub page_origin: &'a str,
}
