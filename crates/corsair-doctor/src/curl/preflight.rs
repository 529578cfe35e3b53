//! A "Copy as cURL" of the preflight row (`OPTIONS` with
//! `Access-Control-Request-Method`): the request the page made, rebuilt
//! from what the preflight announces.

use super::CurlRequest;

/// The value given to a header whose name a preflight announces (its
/// `Access-Control-Request-Headers` carries names only).
pub const PLACEHOLDER: &str = "placeholder";

/// A request rebuilt from a preflight row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebuilt {
    /// The request to check: the method from `Access-Control-Request-Method`,
    /// the headers from `Access-Control-Request-Headers` with placeholder
    /// values, the row's other headers (`Origin`, `Referer`, …) kept.
    pub request: CurlRequest,
    /// The header names whose values are placeholders.
    pub placeholders: Vec<String>,
    /// What the report should say about the rebuilding, one sentence each.
    pub notes: Vec<String>,
}

/// Whether `request` is a preflight row and, if so, the request it precedes.
pub fn from_preflight(request: &CurlRequest) -> Option<Rebuilt> {
    if !request.method.eq_ignore_ascii_case("OPTIONS") {
        return None;
    }
    let find = |name: &str| {
        request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    };
    let method = find("access-control-request-method").filter(|m| !m.is_empty())?;
    let names: Vec<&str> = find("access-control-request-headers")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    let mut headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            // The preflight's own headers, and its fixed `Accept: */*`.
            !n.starts_with("access-control-request-") && n != "accept"
        })
        .cloned()
        .collect();
    for name in &names {
        let value = if name.eq_ignore_ascii_case("content-type") {
            // Listed, so not one of the three safelisted types.
            "application/json"
        } else {
            PLACEHOLDER
        };
        headers.push(((*name).to_owned(), value.to_owned()));
    }
    let mut notes = vec![format!(
        "rebuilt from the preflight (OPTIONS) row: the method {method} from its Access-Control-Request-Method{}",
        if names.is_empty() {
            String::new()
        } else {
            format!(
                ", the headers {} from its Access-Control-Request-Headers",
                names.join(", ")
            )
        }
    )];
    if !names.is_empty() {
        notes.push(
            "the headers' values are placeholders: a preflight carries their names only".to_owned(),
        );
    }
    notes.push("credentials are unknown from a preflight (it never carries cookies): add --credentials if the page sends cookies".to_owned());
    if !matches!(method, "GET" | "HEAD") {
        notes.push("the body is unknown too: add -d if it matters".to_owned());
    }
    Some(Rebuilt {
        request: CurlRequest {
            url: request.url.clone(),
            method: method.to_owned(),
            headers,
            cookies: None,
            body: None,
            insecure: request.insecure,
            ignored: request.ignored.clone(),
        },
        placeholders: names.iter().map(|n| (*n).to_owned()).collect(),
        notes,
    })
}
