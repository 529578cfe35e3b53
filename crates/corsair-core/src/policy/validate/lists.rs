//! The rules for the other lists and values: methods, request headers,
//! exposed headers and `max-age`.

use crate::catalog::{Severity, Slug};
use crate::policy::problem::edit_distance;

use super::checker::Checker;
use super::effective::Effective;
use super::{CHROME_MAX_AGE_CAP, FIREFOX_MAX_AGE_CAP};

/// Names only requests carry: exposing one is a mix-up.
const REQUEST_ONLY: [&str; 8] = [
    "authorization",
    "cookie",
    "origin",
    "host",
    "referer",
    "access-control-request-method",
    "access-control-request-headers",
    "user-agent",
];

impl Checker<'_> {
    pub(super) fn methods(&mut self, eff: &Effective<'_>) -> Vec<String> {
        let Some(list) = eff.methods else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &list.value {
            let m = item.value.as_str();
            if m == "*" {
                out.push(m.to_owned());
                continue;
            }
            if !self.token(item, Slug::InvalidMethod, "a method name", "PUT") {
                continue;
            }
            if crate::method::is_forbidden(m) {
                self.push(
                    Slug::ForbiddenMethod,
                    &item.at,
                    format!("`{m}`: browsers refuse to send CONNECT, TRACE and TRACK"),
                    format!("remove `{m}`"),
                );
                continue;
            }
            let normalized = crate::method::normalize(m);
            if normalized != m {
                self.push(
                    Slug::MethodCase,
                    &item.at,
                    format!("`{m}`: browsers upper-case this method and compare case-sensitively, so `{m}` never matches"),
                    format!("write `\"{normalized}\"`"),
                );
                continue;
            }
            let upper = m.to_ascii_uppercase();
            if upper != m && ["PATCH"].contains(&upper.as_str()) {
                self.push_sev(
                    Slug::MethodCase,
                    Severity::Warning,
                    &item.at,
                    format!("`{m}`: fetch() sends this method exactly as the page writes it, and nearly every page writes `{upper}`"),
                    format!("write `\"{upper}\"` (list both if some code really sends `{m}`)"),
                );
            }
            if crate::method::is_safelisted(m) {
                self.push(
                    Slug::SafelistedListed,
                    &item.at,
                    format!("`{m}` needs no listing: browsers allow GET, HEAD and POST whatever the preflight says"),
                    format!("remove `{m}` (harmless)"),
                );
            } else if let Some(near) = ["DELETE", "PATCH", "PUT", "OPTIONS", "GET", "POST", "HEAD"]
                .into_iter()
                .find(|s| edit_distance(&upper, s) == 1 && upper != *s && upper.len() > 2)
            {
                self.push_sev(
                    Slug::InvalidMethod,
                    Severity::Warning,
                    &item.at,
                    format!("`{m}` is not a standard method; it looks like a typo of `{near}`"),
                    format!("did you mean `\"{near}\"`?"),
                );
            }
            out.push(m.to_owned());
        }
        out
    }

    pub(super) fn request_headers(&mut self, eff: &Effective<'_>) -> Vec<String> {
        let Some(list) = eff.request_headers else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let star = list.value.iter().find(|i| i.value == "*");
        for item in &list.value {
            let h = item.value.as_str();
            if h == "*" {
                out.push(h.to_owned());
                continue;
            }
            if !self.token(
                item,
                Slug::InvalidHeaderName,
                "a header name",
                "x-request-id",
            ) {
                continue;
            }
            let lower = h.to_ascii_lowercase();
            if lower.starts_with("access-control-") {
                self.push(
                    Slug::CorsHeaderAsRequestHeader,
                    &item.at,
                    format!("`{h}` is a response header: a page that sends it has copied server code into the frontend"),
                    format!("remove `{h}` here and from the page's request"),
                );
                continue;
            }
            if crate::request_headers::is_forbidden(h, "", crate::profile::Profile::Chrome) {
                self.push(
                    Slug::ForbiddenRequestHeader,
                    &item.at,
                    format!("`{h}` is set by the browser itself; pages cannot set it, so it is never requested"),
                    format!("remove `{h}`"),
                );
                continue;
            }
            out.push(h.to_owned());
        }
        if let Some(star) = star {
            let lists_auth = list
                .value
                .iter()
                .any(|i| i.value.eq_ignore_ascii_case("authorization"));
            if !lists_auth {
                self.push_sev(
                    Slug::WildcardAuthorization,
                    Severity::Info,
                    &star.at,
                    "`*` allows every request header except Authorization, which browsers never let a wildcard cover".into(),
                    "add `\"authorization\"` if the page sends it".into(),
                );
            }
        }
        out
    }

    pub(super) fn expose_headers(&mut self, eff: &Effective<'_>, credentials: bool) -> Vec<String> {
        let Some(list) = eff.expose_headers else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &list.value {
            let h = item.value.as_str();
            let lower = h.to_ascii_lowercase();
            if h == "*" {
                if credentials {
                    self.push(
                        Slug::WildcardExposeWithCredentials,
                        &item.at,
                        "`*` in `expose-headers` is a literal name on credentialed requests: nothing is exposed".into(),
                        "list the headers the page reads, e.g. `[\"etag\", \"link\"]`".into(),
                    );
                    continue;
                }
            } else if !self.token(item, Slug::InvalidHeaderName, "a header name", "etag") {
                continue;
            } else if lower == "set-cookie" || lower == "set-cookie2" {
                self.push(
                    Slug::ExposeSetCookie,
                    &item.at,
                    format!("`{h}` is never readable by page script, exposed or not"),
                    format!("remove `{h}`; read the state the cookie carries from the response body instead"),
                );
                continue;
            } else if REQUEST_ONLY.contains(&lower.as_str()) {
                self.push(
                    Slug::InvalidHeaderName,
                    &item.at,
                    format!("`{h}` is a request header; responses do not carry it"),
                    format!("remove `{h}` (did you mean to put it in `request-headers`?)"),
                );
                continue;
            } else if crate::browser::is_safelisted_response_header(&lower) {
                self.push(
                    Slug::SafelistedListed,
                    &item.at,
                    format!("`{h}` is always readable; it needs no exposing"),
                    format!("remove `{h}` (harmless)"),
                );
                continue;
            }
            out.push(h.to_owned());
        }
        out
    }

    pub(super) fn max_age(&mut self, eff: &Effective<'_>) -> Option<i64> {
        let Some(age) = eff.max_age else {
            self.push(
                Slug::PreflightNotCached,
                &eff.root_at,
                "no `max-age`: Chrome keeps a preflight answer 5 seconds, so nearly every call is preceded by a preflight".into(),
                "add `max-age = 7200` (Chrome's cap)".into(),
            );
            return None;
        };
        match age.value {
            n if n < -1 => {
                self.push(
                    Slug::InvalidValue,
                    &age.at,
                    format!("`max-age = {n}` is negative"),
                    "use a number of seconds (7200 is Chrome's cap), or -1 to forbid caching"
                        .into(),
                );
                None
            }
            // Refused, as jub0bs/cors does: a value this large is usually a
            // unit slip (milliseconds), and no browser would honour it.
            n if n > FIREFOX_MAX_AGE_CAP => {
                self.push_sev(
                    Slug::MaxAgeOverCap,
                    Severity::Error,
                    &age.at,
                    format!("`max-age = {n}` is more than any browser keeps (Firefox {FIREFOX_MAX_AGE_CAP} s, Chrome {CHROME_MAX_AGE_CAP} s)"),
                    format!("use `max-age = {CHROME_MAX_AGE_CAP}`"),
                );
                Some(FIREFOX_MAX_AGE_CAP)
            }
            n if n > CHROME_MAX_AGE_CAP => {
                self.push(
                    Slug::MaxAgeOverCap,
                    &age.at,
                    format!("`max-age = {n}`: Chrome keeps preflight answers {CHROME_MAX_AGE_CAP} s at most (Firefox {FIREFOX_MAX_AGE_CAP} s)"),
                    format!("`max-age = {CHROME_MAX_AGE_CAP}` says what Chrome will do"),
                );
                Some(n)
            }
            0 => {
                self.push(
                    Slug::PreflightNotCached,
                    &age.at,
                    "`max-age = 0` sends no Access-Control-Max-Age: browsers use their default (5 s)".into(),
                    "use `max-age = 7200`, or -1 to forbid caching outright".into(),
                );
                Some(0)
            }
            n => Some(n),
        }
    }
}
