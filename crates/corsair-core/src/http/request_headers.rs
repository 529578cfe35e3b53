//! The request headers as the browser sends them: forbidden names dropped,
//! CORS-safelisted values recognised, and the preflight's
//! `Access-Control-Request-Headers` value.

use super::{method, mime};
use crate::profile::Profile;

/// Header names a page may never set; the browser drops them silently.
/// (Not `Access-Control-Request-Private-Network`: the Fetch standard never
/// listed it, and Chromium 156 sends it like any unsafe header, so it needs
/// a preflight that allows it.)
const FORBIDDEN: [&str; 20] = [
    "accept-charset",
    "accept-encoding",
    "access-control-request-headers",
    "access-control-request-method",
    "connection",
    "content-length",
    "cookie",
    "cookie2",
    "date",
    "dnt",
    "expect",
    "host",
    "keep-alive",
    "origin",
    "referer",
    "set-cookie",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// Headers that smuggle a method: forbidden when they name a forbidden one.
const METHOD_OVERRIDES: [&str; 3] = [
    "x-http-method",
    "x-http-method-override",
    "x-method-override",
];

/// The Fetch standard's cap on one safelisted value, in bytes.
pub const SAFELISTED_VALUE_MAX: usize = 128;
/// The cap on all safelisted values together, in bytes.
pub const SAFELISTED_TOTAL_MAX: usize = 1024;

/// Whether the browser drops this header when a page sets it.
pub fn is_forbidden(name: &str, value: &str, profile: Profile) -> bool {
    let starts = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
    };
    let is = |other: &&str| name.eq_ignore_ascii_case(other);
    if starts("proxy-") || starts("sec-") || FORBIDDEN.iter().any(is) || is(&"via") {
        return true;
    }
    if is(&"user-agent") && profile.user_agent_forbidden() {
        return true;
    }
    METHOD_OVERRIDES.iter().any(is)
        && value
            .split(',')
            .any(|m| method::is_forbidden(super::grammar::trim_http_ws(m)))
}

/// The CORS-unsafe request-header byte of the Fetch standard.
pub fn is_unsafe_byte(c: char) -> bool {
    let v = c as u32;
    (v < 0x20 && v != 0x09)
        || matches!(
            c,
            '"' | '(' | ')' | ':' | '<' | '>' | '?' | '@' | '[' | '\\' | ']' | '{' | '}'
        )
        || v == 0x7F
}

fn is_language_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ' ' | '*' | ',' | '-' | '.' | ';' | '=')
}

/// Whether (name, value) is a CORS-safelisted request header for the profile.
/// `value` is measured in bytes as the browser sends it (each char one byte).
pub fn is_safelisted(name: &str, value: &str, profile: Profile) -> bool {
    if value.chars().count() > SAFELISTED_VALUE_MAX {
        return false;
    }
    // Names are short: a stack copy lower-cased beats an allocation.
    let mut buf = [0u8; 32];
    let Some(lower) = lower_ascii(name, &mut buf) else {
        return false;
    };
    match lower {
        "accept" => !value.chars().any(is_unsafe_byte),
        "accept-language" | "content-language" => value.chars().all(is_language_char),
        "content-type" => {
            !value.chars().any(is_unsafe_byte)
                && !firefox_refuses_content_type_list(value, profile)
                && mime::has_safelisted_essence(value)
        }
        "range" => is_simple_range(value, profile),
        other if profile.safelists_client_hints() => is_safelisted_client_hint(other, value),
        _ => false,
    }
}

/// Firefox parses a request's Content-Type with net_ParseRequestContentType,
/// which yields no type at all for a list (a `,` outside quotes; quotes are
/// already unsafe bytes), so `text/plain;x, text/plain` — what two XHR
/// setRequestHeader calls make — is not safelisted there. Chrome reads the
/// first type.
fn firefox_refuses_content_type_list(value: &str, profile: Profile) -> bool {
    profile == Profile::Firefox && value.contains(',')
}

/// `name` lower-cased into `buf`, or `None` when it is longer than `buf`
/// (no safelisted name is).
fn lower_ascii<'b>(name: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    let bytes = name.as_bytes();
    let out = buf.get_mut(..bytes.len())?;
    out.copy_from_slice(bytes);
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

/// The names [`is_safelisted_client_hint`] knows.
const CLIENT_HINTS: [&str; 9] = [
    "intervention",
    "device-memory",
    "dpr",
    "downlink",
    "width",
    "viewport-width",
    "rtt",
    "ect",
    "save-data",
];

/// Whether browsers may classify a header of this name differently
/// (forbidden, or CORS-safelisted): only the names whose rules above take
/// the profile. Any other header is classified alike by every profile, so a
/// batch need not ask each one.
pub fn class_may_differ(name: &str) -> bool {
    ["user-agent", "content-type", "range"]
        .iter()
        .chain(CLIENT_HINTS.iter())
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// Chrome's legacy client hints and `Intervention`, safelisted with value rules.
fn is_safelisted_client_hint(name: &str, value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name {
        "intervention" => true,
        "device-memory" | "dpr" | "downlink" => match value.split_once('.') {
            Some((int, frac)) => digits(int) && digits(frac),
            None => digits(value),
        },
        "width" | "viewport-width" | "rtt" => digits(value),
        "ect" => matches!(value, "slow-2g" | "2g" | "3g" | "4g"),
        "save-data" => value.eq_ignore_ascii_case("on"),
        _ => false,
    }
}

/// A single `bytes=N-` or `bytes=N-M` range with N <= M: no suffix ranges,
/// no spaces, no lists. Chrome and Firefox want `bytes` in lower case
/// (Firefox observed: `BYTES=0-1` is preflighted); the standard and WebKit
/// compare it case-insensitively.
fn is_simple_range(value: &str, profile: Profile) -> bool {
    let spec = match value.get(..6) {
        Some("bytes=") => &value[6..],
        Some(unit)
            if matches!(profile, Profile::Spec | Profile::Safari)
                && unit.eq_ignore_ascii_case("bytes=") =>
        {
            &value[6..]
        }
        _ => return false,
    };
    let Some((start, end)) = spec.split_once('-') else {
        return false;
    };
    let parse = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let Some(start) = parse(start) else {
        return false;
    };
    end.is_empty() || parse(end).is_some_and(|end| start <= end)
}

/// A request header after the browser's own processing: lower-cased name,
/// duplicate values combined with `", "`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentHeader {
    /// Lower-cased name.
    pub name: String,
    /// Combined value.
    pub value: String,
}

/// A request's header list as it is built: a name already there
/// (case-insensitively) gets the value appended after `", "`; a new one is
/// added lower-cased. Past [`super::names::FEW`] names, they are found
/// through an index, so many headers cost linear time.
#[derive(Debug, Default)]
pub struct Combiner {
    list: Vec<SentHeader>,
    index: Option<std::collections::HashMap<String, usize>>,
}

impl Combiner {
    /// Adds one header.
    pub fn add(&mut self, name: &str, value: &str) {
        let lower = || name.to_ascii_lowercase();
        let at = match &self.index {
            Some(index) => index.get(&lower()).copied(),
            None => self
                .list
                .iter()
                .position(|h| h.name.eq_ignore_ascii_case(name)),
        };
        match at {
            Some(i) => {
                let h = &mut self.list[i];
                h.value.push_str(", ");
                h.value.push_str(value);
            }
            None => {
                let name = lower();
                if let Some(index) = &mut self.index {
                    index.insert(name.clone(), self.list.len());
                }
                self.list.push(SentHeader {
                    name,
                    value: value.to_owned(),
                });
                if self.index.is_none() && self.list.len() > super::names::FEW {
                    let index = self.list.iter().enumerate();
                    self.index = Some(index.map(|(i, h)| (h.name.clone(), i)).collect());
                }
            }
        }
    }

    /// The headers, in the order their names first came.
    pub fn finish(self) -> Vec<SentHeader> {
        self.list
    }
}

/// The names that make a request need a preflight, in the order the browser
/// checks them against `Access-Control-Allow-Headers` (non-safelisted names
/// first; the safelisted ones appended when their values pass 1024 bytes).
pub fn unsafe_names(headers: &[SentHeader], profile: Profile) -> Vec<String> {
    let mut unsafe_names = Vec::new();
    let mut potentially_unsafe = Vec::new();
    let mut safelisted_total = 0usize;
    for h in headers {
        if is_safelisted(&h.name, &h.value, profile) {
            potentially_unsafe.push(h.name.clone());
            safelisted_total += h.value.chars().count();
        } else {
            unsafe_names.push(h.name.clone());
        }
    }
    if safelisted_total > SAFELISTED_TOTAL_MAX {
        unsafe_names.extend(potentially_unsafe);
    }
    if profile == Profile::Spec {
        unsafe_names.sort();
        unsafe_names.dedup();
    }
    unsafe_names
}

/// The preflight's `Access-Control-Request-Headers`: sorted, lower-case,
/// deduplicated, joined by `,` without spaces. `None` when there are none.
pub fn access_control_request_headers(unsafe_names: &[String]) -> Option<String> {
    if unsafe_names.is_empty() {
        return None;
    }
    let mut names: Vec<&str> = unsafe_names.iter().map(String::as_str).collect();
    names.sort_unstable();
    names.dedup();
    Some(names.join(","))
}

/// Whether the header may be sent on a `no-cors` request (others are dropped).
pub fn is_no_cors_safelisted(name: &str, value: &str, profile: Profile) -> bool {
    [
        "accept",
        "accept-language",
        "content-language",
        "content-type",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
        && is_safelisted(name, value, profile)
}

#[cfg(test)]
mod tests {
    use super::*;
    const C: Profile = Profile::Chrome;

    /// Every profile's classification of one header.
    fn classes(name: &str, value: &str) -> Vec<(bool, bool)> {
        [
            Profile::Chrome,
            Profile::Firefox,
            Profile::Safari,
            Profile::Spec,
        ]
        .into_iter()
        .map(|p| (is_forbidden(name, value, p), is_safelisted(name, value, p)))
        .collect()
    }

    const VALUES: [&str; 12] = [
        "text/plain",
        "text/plain;x, text/plain",
        "application/json",
        "bytes=0-1",
        "BYTES=0-1",
        "on",
        "1.5",
        "4g",
        "CONNECT",
        "Mozilla/5.0",
        "en-US",
        "x",
    ];

    #[test]
    fn only_the_listed_names_are_classified_by_profile() {
        let mut names: Vec<&str> = FORBIDDEN
            .iter()
            .chain(METHOD_OVERRIDES.iter())
            .copied()
            .collect();
        names.extend(CLIENT_HINTS);
        names.extend([
            "accept",
            "Accept-Language",
            "content-language",
            "User-Agent",
            "content-type",
            "Range",
            "x-custom",
            "sec-foo",
            "proxy-x",
        ]);
        let mut differing = 0;
        for name in names {
            for value in VALUES {
                let all = classes(name, value);
                if all.windows(2).any(|w| w[0] != w[1]) {
                    differing += 1;
                    assert!(
                        class_may_differ(name),
                        "{name}: {value:?} differs by profile: {all:?}"
                    );
                }
            }
        }
        // The list is not vacuous: its names do differ somewhere.
        assert!(differing >= 4, "{differing}");
    }

    proptest::proptest! {
        #[test]
        fn any_other_name_is_classified_alike(
            name in "[A-Za-z][A-Za-z-]{0,15}",
            value in proptest::sample::select(VALUES.to_vec()),
        ) {
            if !class_may_differ(&name) {
                let all = classes(&name, value);
                proptest::prop_assert!(all.windows(2).all(|w| w[0] == w[1]), "{}: {:?}", name, all);
            }
        }
    }

    fn sent(pairs: &[(&str, &str)]) -> Vec<SentHeader> {
        pairs
            .iter()
            .map(|(n, v)| SentHeader {
                name: n.to_string(),
                value: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn forbidden_table() {
        for name in [
            "Cookie",
            "origin",
            "Sec-Fetch-Mode",
            "proxy-authorization",
            "Host",
            "Via",
            "DNT",
        ] {
            assert!(is_forbidden(name, "x", C), "{name}");
        }
        assert!(is_forbidden("User-Agent", "x", C));
        assert!(!is_forbidden("User-Agent", "x", Profile::Spec));
        assert!(is_forbidden("X-HTTP-Method-Override", "GET, trace", C));
        assert!(!is_forbidden("X-HTTP-Method-Override", "PATCH", C));
        assert!(!is_forbidden("Authorization", "x", C));
    }

    #[test]
    fn safelist_values() {
        let long = "a".repeat(128);
        let longer = "a".repeat(129);
        let cases: &[(&str, &str, bool)] = &[
            ("Accept", "application/json", true),
            ("Accept", &long, true),
            ("Accept", &longer, false),
            ("Accept", "a\u{1}b", false),
            ("Accept", "a\tb", true),
            ("Accept", "a@b", false),
            ("Accept-Language", "en-US,fr;q=0.5", true),
            ("Accept-Language", "en_US", false),
            ("Accept-Language", "caf\u{e9}", false),
            ("Content-Type", "text/plain", true),
            ("Content-Type", "application/json", false),
            ("Content-Type", "text/plain; charset=\"utf-8\"", false),
            ("Content-Type", "multipart/form-data; boundary=x", true),
            ("Range", "bytes=0-", true),
            ("Range", "bytes=0-10", true),
            ("Range", "bytes=-5", false),
            ("Range", "bytes=5-1", false),
            ("Range", "bytes=0-1,2-3", false),
            ("Range", "bytes = 0-", false),
            ("Range", "BYTES=0-1", false),
            ("Authorization", "x", false),
            ("DPR", "2.0", true),
            ("Save-Data", "on", true),
        ];
        for (n, v, want) in cases {
            assert_eq!(is_safelisted(n, v, C), *want, "{n}: {v:?}");
        }
        assert!(!is_safelisted("DPR", "2.0", Profile::Spec));
        assert!(is_safelisted("Range", "BYTES=0-1", Profile::Spec));
        assert!(is_safelisted("Range", "BYTES=0-1", Profile::Safari));
        assert!(!is_safelisted("Range", "BYTES=0-1", Profile::Firefox));
    }

    #[test]
    fn unsafe_names_and_acrh() {
        let h = sent(&[
            ("content-type", "application/json"),
            ("authorization", "x"),
            ("accept", "a"),
        ]);
        let names = unsafe_names(&h, C);
        assert_eq!(names, ["content-type", "authorization"]);
        assert_eq!(
            access_control_request_headers(&names).unwrap(),
            "authorization,content-type"
        );
        assert_eq!(access_control_request_headers(&[]), None);
    }

    #[test]
    fn repeated_names_are_combined() {
        let mut list = Combiner::default();
        list.add("Content-Type", "text/plain;x");
        list.add("X-A", "1");
        list.add("content-type", "text/plain");
        assert_eq!(
            list.finish(),
            sent(&[("content-type", "text/plain;x, text/plain"), ("x-a", "1")])
        );
        // Past the scanned few, the index finds repeats the same way.
        let mut many = Combiner::default();
        for i in 0..40 {
            many.add(&format!("X-H{}", i % 20), &i.to_string());
        }
        let many = many.finish();
        assert_eq!(many.len(), 20);
        assert_eq!(many[3], sent(&[("x-h3", "3, 23")])[0]);
    }

    #[test]
    fn total_over_1024_makes_all_unsafe() {
        let v = "a".repeat(128);
        // Eight 128-byte safelisted values: exactly 1024 bytes is still fine.
        let h8: Vec<SentHeader> = (0..8)
            .map(|i| SentHeader {
                name: if i % 2 == 0 {
                    "accept".into()
                } else {
                    "accept-language".into()
                },
                value: v.clone(),
            })
            .collect();
        assert!(unsafe_names(&h8, C).is_empty());
        let mut h9 = h8.clone();
        h9.push(SentHeader {
            name: "content-language".into(),
            value: "a".into(),
        });
        assert_eq!(unsafe_names(&h9, C).len(), 9);
    }
}
