//! The `explain` scenario: a page origin, the request as the page's code made
//! it, and the server's answers (nested for redirects). See ARCHITECTURE.md.

use serde::{Deserialize, Serialize};

/// Credentials mode of the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialsMode {
    /// Never send or accept credentials.
    Omit,
    /// Credentials only to the page's own origin (the default).
    #[default]
    SameOrigin,
    /// Credentials everywhere; the server must opt in with ACAC.
    Include,
}

/// Request mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestMode {
    /// A CORS request (the default for `fetch()` and XHR).
    #[default]
    Cors,
    /// An opaque request: no CORS, nothing readable.
    NoCors,
    /// Fails for any other origin.
    SameOrigin,
}

/// The API the page used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Initiator {
    /// `fetch()`.
    #[default]
    Fetch,
    /// `XMLHttpRequest`.
    Xhr,
}

/// A request header list: `[name, value]` pairs in order, names may repeat.
pub type Headers = Vec<(String, String)>;

fn default_method() -> String {
    "GET".to_owned()
}

/// The request as the page's code wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    /// Absolute URL.
    pub url: String,
    /// Method as written (`fetch()` upper-cases only six of them).
    #[serde(default = "default_method")]
    pub method: String,
    /// Headers the page set, before the browser drops forbidden ones.
    #[serde(default)]
    pub headers: Headers,
    /// Credentials mode.
    #[serde(default)]
    pub credentials: CredentialsMode,
    /// Request mode.
    #[serde(default)]
    pub mode: RequestMode,
    /// `fetch` or `xhr`.
    #[serde(default)]
    pub initiator: Initiator,
}

/// A server's answer to one request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// HTTP status, 100-599.
    pub status: u16,
    /// Response headers in order; names may repeat.
    #[serde(default)]
    pub headers: Headers,
    /// For a redirect: the answers at the `Location` URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Box<Hop>>,
}

/// The server's answers at one URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hop {
    /// The answer to the preflight, used only if one is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The answer to the request itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Answer>,
}

/// IP address spaces, for Local Network Access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressSpace {
    /// Loopback (127.0.0.0/8, ::1).
    Loopback,
    /// Private networks (10/8, 192.168/16, …).
    Local,
    /// Everything else.
    Public,
}

impl AddressSpace {
    /// Chrome's name for it in messages.
    pub fn name(self) -> &'static str {
        match self {
            AddressSpace::Loopback => "loopback",
            AddressSpace::Local => "local",
            AddressSpace::Public => "public",
        }
    }
}

/// Where the page and the server live, when Local Network Access matters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressSpaces {
    /// The page's address space.
    pub page: AddressSpace,
    /// The server's address space.
    pub target: AddressSpace,
    /// Whether the user granted the local-network permission (default: no).
    #[serde(default)]
    pub permission_granted: bool,
    /// The space the request declared it targets (`fetch(url, {targetAddressSpace})`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<AddressSpace>,
}

/// One `explain` input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The page's origin (or any URL of the page).
    pub page_origin: String,
    /// The request.
    pub request: RequestSpec,
    /// The server's answer to the preflight, if one is needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<Answer>,
    /// The server's answer to the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Answer>,
    /// Response headers the page's code reads (checked against what it may read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_headers: Vec<String>,
    /// Address spaces, for Local Network Access checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_space: Option<AddressSpaces>,
}

/// Why a scenario cannot be explained; `field` names the bad part.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ScenarioError {
    /// Path of the bad field, e.g. `request.headers[2]` (empty for the whole input).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl ScenarioError {
    fn new(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses one scenario from JSON. Also accepts `{"scenario": {...}, ...}`
/// wrappers (as in corpus and example files), ignoring their other keys.
/// [`explain`](crate::explain) checks what the JSON shape cannot.
pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
    // Fast path: a well-formed bare scenario straight into the structs. Anything
    // else takes the slow path, which names the bad field precisely.
    if let Ok(scenario) = serde_json::from_str::<Scenario>(text) {
        return Ok(scenario);
    }
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| ScenarioError::new("", format!("not valid JSON: {e}")))?;
    from_value(value)
}

/// Like [`from_json`], from an already parsed JSON value.
pub fn from_value(mut value: serde_json::Value) -> Result<Scenario, ScenarioError> {
    let wrapped = value
        .as_object()
        .is_some_and(|o| o.contains_key("scenario") && !o.contains_key("request"));
    if wrapped {
        value = value["scenario"].take();
    }
    if !value.is_object() {
        return Err(ScenarioError::new("", "a scenario must be a JSON object"));
    }
    let scenario: Scenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        ScenarioError::new(field, e.inner().to_string())
    })?;
    Ok(scenario)
}

impl Scenario {
    /// Checks what serde cannot: URLs, statuses, byte-string values.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        self.prepare().map(|_| ())
    }

    /// Validates, and returns the page and the request URL parsed.
    pub(crate) fn prepare(&self) -> Result<(Page, url::Url), ScenarioError> {
        let page = Page::parse(&self.page_origin)?;
        Ok((page, self.prepare_request()?))
    }

    /// Validates everything but the page origin; returns the request URL.
    pub(crate) fn prepare_request(&self) -> Result<url::Url, ScenarioError> {
        let url = url::Url::parse(&self.request.url).map_err(|e| {
            ScenarioError::new(
                "request.url",
                format!("{:?} is not an absolute URL: {e}", self.request.url),
            )
        })?;
        // A char above U+00FF is the only one whose UTF-8 lead byte is 0xC4
        // or more: a byte scan settles the usual case without decoding.
        let wide = |s: &str| s.bytes().any(|b| b >= 0xC4);
        for (i, (name, value)) in self.request.headers.iter().enumerate() {
            if !wide(name) && !wide(value) {
                continue;
            }
            if let Some(c) = name.chars().chain(value.chars()).find(|c| *c as u32 > 0xFF) {
                return Err(ScenarioError::new(
                    format!("request.headers[{i}]"),
                    format!("{c:?} is not a byte: header names and values are byte strings (U+0000 to U+00FF)"),
                ));
            }
        }
        if let Some(a) = &self.preflight {
            validate_answer(a, "preflight")?;
        }
        if let Some(a) = &self.response {
            validate_answer(a, "response")?;
        }
        Ok(url)
    }
}

/// The page making the request: its origin, and its URL for the messages
/// that name it (the origin's root when only an origin is given).
#[derive(Clone, Debug)]
pub(crate) struct Page {
    pub(crate) origin: crate::Origin,
    pub(crate) url: String,
}

impl Page {
    /// Parses `page_origin`: `null`, an origin, or a URL of the page.
    pub(crate) fn parse(text: &str) -> Result<Page, ScenarioError> {
        let origin = text.trim();
        if origin == "null" {
            return Ok(Page {
                origin: crate::Origin::opaque(),
                url: "null".into(),
            });
        }
        match url::Url::parse(origin) {
            Ok(u) if u.has_host() || u.scheme() == "file" => {
                let page_origin = crate::Origin::of_url(&u);
                let url = if u.path() != "/" || u.query().is_some() {
                    u.to_string()
                } else {
                    format!("{page_origin}/")
                };
                Ok(Page {
                    origin: page_origin,
                    url,
                })
            }
            Ok(_) | Err(_) => {
                let hint = if !origin.contains("://") {
                    format!("; did you mean \"http://{origin}\" or \"https://{origin}\"?")
                } else {
                    String::new()
                };
                Err(ScenarioError::new(
                    "page_origin",
                    format!("{origin:?} is not an origin such as \"https://app.example.com\" (or \"null\"){hint}"),
                ))
            }
        }
    }
}

fn validate_answer(answer: &Answer, path: &str) -> Result<(), ScenarioError> {
    if !(100..=599).contains(&answer.status) {
        return Err(ScenarioError::new(
            format!("{path}.status"),
            format!("{} is not an HTTP status (100-599)", answer.status),
        ));
    }
    for (i, (name, _)) in answer.headers.iter().enumerate() {
        if !crate::grammar::is_token(name) {
            return Err(ScenarioError::new(
                format!("{path}.headers[{i}]"),
                format!("{name:?} is not a valid header name"),
            ));
        }
    }
    if let Some(next) = &answer.next {
        if !(300..=399).contains(&answer.status) {
            return Err(ScenarioError::new(
                format!("{path}.next"),
                format!(
                    "only a redirect (3xx) has a next hop, this answer is {}",
                    answer.status
                ),
            ));
        }
        if let Some(a) = &next.preflight {
            validate_answer(a, &format!("{path}.next.preflight"))?;
        }
        if let Some(a) = &next.response {
            validate_answer(a, &format!("{path}.next.response"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_and_defaults() {
        let s = from_json(r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/x"}}"#)
            .unwrap();
        assert_eq!(s.request.method, "GET");
        assert_eq!(s.request.credentials, CredentialsMode::SameOrigin);
        assert_eq!(s.request.initiator, Initiator::Fetch);
    }

    #[test]
    fn wrapper_is_unwrapped() {
        let s = from_json(
            r#"{"id":1,"scenario":{"page_origin":"http://a.test","request":{"url":"http://b.test/"}}}"#,
        );
        assert!(s.is_ok());
    }

    fn from_json_checked(text: &str) -> Result<Scenario, ScenarioError> {
        let s = from_json(text)?;
        s.validate()?;
        Ok(s)
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/","credential":"include"}}"#,
                "request.credential",
            ),
            (
                r#"{"page_origin":"http://a.test","request":{"url":"/x"}}"#,
                "request.url",
            ),
            (
                r#"{"page_origin":"a.test","request":{"url":"http://b.test/"}}"#,
                "page_origin",
            ),
            (
                r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/","headers":[["a"]]}}"#,
                "request.headers[0]",
            ),
            (
                r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/","credentials":"yes"}}"#,
                "request.credentials",
            ),
            (
                r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/"},"response":{"status":99}}"#,
                "response.status",
            ),
            (
                r#"{"page_origin":"http://a.test","request":{"url":"http://b.test/"},"response":{"status":200,"headers":[["a b","c"]]}}"#,
                "response.headers[0]",
            ),
            (r#"{"page_origin":"http://a.test"}"#, ""),
            (r#"[1]"#, ""),
            (r#"{"#, ""),
        ];
        for (input, field) in cases {
            let err = from_json_checked(input).unwrap_err();
            assert_eq!(err.field, field, "{input}: {err}");
        }
    }
}
