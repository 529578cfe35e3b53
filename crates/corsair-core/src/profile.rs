//! Browser profiles: where Chrome, Firefox and Safari (WebKit) knowingly
//! depart from the Fetch standard, as observed and as their sources show.

use serde::{Deserialize, Serialize};

/// Which browser's decisions to model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Current Chrome stable (observed on Chromium 156).
    #[default]
    Chrome,
    /// Firefox ESR (from its source).
    Firefox,
    /// The Fetch standard as written.
    Spec,
    /// Safari's engine, WebKit (observed on WebKitGTK 2.50; `webkit` on the
    /// command line too).
    Safari,
}

impl Profile {
    /// Every profile, for tables and help text.
    pub const ALL: [Profile; 4] = [
        Profile::Chrome,
        Profile::Firefox,
        Profile::Spec,
        Profile::Safari,
    ];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Chrome => "chrome",
            Profile::Firefox => "firefox",
            Profile::Spec => "spec",
            Profile::Safari => "safari",
        }
    }

    /// Parses a profile name (`webkit` names Safari's engine too).
    pub fn from_name(name: &str) -> Option<Profile> {
        if name == "webkit" {
            return Some(Profile::Safari);
        }
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Chrome, Firefox and WebKit let `Access-Control-Allow-Headers: *`
    /// cover `Authorization` (Chrome with a deprecation warning); the
    /// standard does not.
    pub fn wildcard_covers_authorization(self) -> bool {
        !matches!(self, Profile::Spec)
    }

    /// The longest a preflight answer is cached, in seconds.
    pub fn max_age_cap(self) -> Option<u32> {
        match self {
            Profile::Chrome => Some(7200),
            Profile::Firefox => Some(86400),
            // WebCore's maxPreflightCacheTimeout.
            Profile::Safari => Some(600),
            Profile::Spec => None,
        }
    }

    /// Chrome still refuses to let pages set `User-Agent` (crbug 571722).
    pub fn user_agent_forbidden(self) -> bool {
        matches!(self, Profile::Chrome)
    }

    /// Chrome's renderer refuses to load a subresource whose URL carries a
    /// user name or password the page's own URL does not (fetch only, not
    /// XHR), also at a redirect; no CORS error and no console line.
    pub fn blocks_credentialed_subresources(self) -> bool {
        matches!(self, Profile::Chrome)
    }

    /// Whether requests into a more private address space are refused
    /// (Local Network Access). WebKit's network process has no such step
    /// (NetworkLoadChecker goes from CSP to CORS); loopback cannot show it,
    /// so this follows the source, not an observation.
    pub fn enforces_local_network_access(self) -> bool {
        !matches!(self, Profile::Safari)
    }

    /// Chrome safelists a few legacy client-hint request headers.
    pub fn safelists_client_hints(self) -> bool {
        matches!(self, Profile::Chrome)
    }
}
