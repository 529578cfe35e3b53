//! The server model: given a policy and an incoming request, which CORS
//! headers to send, or that the request is a preflight to answer.
//!
//! Built once from a validated [`PolicySpec`]; deciding borrows from the
//! policy and the request and never allocates, so it can sit in front of
//! every request an application serves.

pub mod header_set;
pub mod origin_set;
pub mod route;

use crate::catalog::Slug;
use crate::spec::{OriginEntry, PolicySpec};
use header_set::{HeaderSet, HeadersRefusal};
use origin_set::OriginSet;
use std::sync::Arc;

/// `Vary` on a preflight answer: it depends on all three request headers.
pub const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
/// `Vary` on an actual response whose CORS headers depend on the Origin.
pub const ACTUAL_VARY: &str = "Origin";
/// The status of an allowed preflight's answer.
pub const PREFLIGHT_OK_STATUS: u16 = 204;
/// The status of a refused preflight's answer (no CORS headers with it).
pub const PREFLIGHT_REFUSED_STATUS: u16 = 403;

/// A request header as the server saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Field<'a> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent once, with this value.
    One(&'a [u8]),
    /// Sent more than once (browsers never do this for CORS headers).
    Many,
}

impl<'a> Field<'a> {
    /// From the values of one header name.
    pub fn from_values<I: IntoIterator<Item = &'a [u8]>>(values: I) -> Field<'a> {
        let mut it = values.into_iter();
        match (it.next(), it.next()) {
            (None, _) => Field::Absent,
            (Some(v), None) => Field::One(v),
            _ => Field::Many,
        }
    }
}

/// What the server model needs of a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct CorsRequest<'a> {
    /// The method, as sent.
    pub method: &'a str,
    /// `Origin`.
    pub origin: Field<'a>,
    /// `Access-Control-Request-Method`.
    pub request_method: Field<'a>,
    /// `Access-Control-Request-Headers`.
    pub request_headers: Field<'a>,
    /// `Access-Control-Request-Private-Network: true` was sent.
    pub request_local_network: bool,
}

/// Why the policy refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal<'a> {
    /// The origin is not in the policy.
    OriginNotAllowed(&'a [u8]),
    /// `Origin` was sent more than once.
    DuplicateOrigin,
    /// The preflight asks for a method the policy does not allow.
    MethodNotAllowed(&'a [u8]),
    /// The preflight asks for a header the policy does not allow.
    HeaderNotAllowed(&'a [u8]),
    /// `Access-Control-Request-Headers` is too long or names too many headers.
    RequestHeadersTooLong,
    /// `Access-Control-Request-Method` or `-Headers` does not parse, or is repeated.
    MalformedPreflight,
    /// The preflight asks for local-network access the policy does not grant.
    LocalNetworkNotAllowed,
}

impl Refusal<'_> {
    /// The catalog slug a refusal is reported under.
    pub fn slug(&self) -> Slug {
        match self {
            Refusal::OriginNotAllowed(_) | Refusal::DuplicateOrigin => Slug::OriginMismatch,
            Refusal::MethodNotAllowed(_) => Slug::MethodNotAllowed,
            Refusal::HeaderNotAllowed(_) => Slug::HeaderNotAllowed,
            Refusal::RequestHeadersTooLong | Refusal::MalformedPreflight => {
                Slug::UnparsableAllowHeaders
            }
            Refusal::LocalNetworkNotAllowed => Slug::LocalNetworkAccess,
        }
    }

    /// A short, stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::OriginNotAllowed(_) => "origin-not-allowed",
            Refusal::DuplicateOrigin => "duplicate-origin",
            Refusal::MethodNotAllowed(_) => "method-not-allowed",
            Refusal::HeaderNotAllowed(_) => "header-not-allowed",
            Refusal::RequestHeadersTooLong => "request-headers-too-long",
            Refusal::MalformedPreflight => "malformed-preflight",
            Refusal::LocalNetworkNotAllowed => "local-network-not-allowed",
        }
    }
}

impl std::fmt::Display for Refusal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match self {
            Refusal::OriginNotAllowed(o) => write!(f, "origin {} is not allowed by the policy", text(o)),
            Refusal::DuplicateOrigin => f.write_str("the Origin header was sent more than once"),
            Refusal::MethodNotAllowed(m) => write!(f, "method {} is not allowed by the policy", text(m)),
            Refusal::HeaderNotAllowed(h) => {
                write!(f, "request header {} is not allowed by the policy", text(h))
            }
            Refusal::RequestHeadersTooLong => write!(
                f,
                "Access-Control-Request-Headers is longer than {} bytes or names more than {} headers",
                header_set::MAX_REQUEST_HEADERS_LEN,
                header_set::MAX_REQUEST_HEADERS
            ),
            Refusal::MalformedPreflight => f.write_str(
                "Access-Control-Request-Method or -Headers is malformed or repeated",
            ),
            Refusal::LocalNetworkNotAllowed => {
                f.write_str("local-network access is not allowed by the policy")
            }
        }
    }
}

/// What `Access-Control-Allow-Origin` carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowOrigin<'a> {
    /// `*` (only for a policy allowing any origin without credentials).
    Any,
    /// The request's own `Origin`, which the policy allows.
    Echo(&'a [u8]),
}

/// A list header's value on an allowed preflight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowList<'a> {
    /// The policy's precomputed list.
    Policy(&'a str),
    /// What the request asked for, echoed (policies with `*`).
    Echo(&'a [u8]),
}

impl<'a> AllowList<'a> {
    /// The header value's bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        match self {
            AllowList::Policy(s) => s.as_bytes(),
            AllowList::Echo(b) => b,
        }
    }
}

/// The CORS headers of an allowed preflight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreflightGrant<'a> {
    /// `Access-Control-Allow-Origin`.
    pub allow_origin: AllowOrigin<'a>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// `Access-Control-Allow-Methods`, when the policy lists methods.
    pub allow_methods: Option<AllowList<'a>>,
    /// `Access-Control-Allow-Headers`, when headers were requested.
    pub allow_headers: Option<AllowList<'a>>,
    /// `Access-Control-Max-Age`.
    pub max_age: Option<&'a str>,
    /// `Access-Control-Allow-Private-Network: true`.
    pub allow_local_network: bool,
}

/// The CORS headers of an actual response to an allowed origin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ActualGrant<'a> {
    /// `Access-Control-Allow-Origin`.
    pub allow_origin: AllowOrigin<'a>,
    /// `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// `Access-Control-Expose-Headers`.
    pub expose_headers: Option<&'a str>,
}

/// The server model's decision on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision<'a> {
    /// A preflight to answer with [`PREFLIGHT_OK_STATUS`] and these headers
    /// (plus `Vary: PREFLIGHT_VARY`), without calling the application.
    PreflightAllowed(PreflightGrant<'a>),
    /// A preflight to refuse with [`PREFLIGHT_REFUSED_STATUS`] and no CORS
    /// headers; in debug mode, `debug` holds the headers that make the
    /// browser's console name the refused method or header.
    PreflightRefused {
        /// Why.
        refusal: Refusal<'a>,
        /// Debug mode's answer (an allowed origin asking for too much).
        debug: Option<PreflightGrant<'a>>,
    },
    /// Not a preflight: the application answers; add `grant` (when the
    /// origin is allowed) and merge `Vary: Origin` when `vary_origin`.
    Actual {
        /// Headers for an allowed origin.
        grant: Option<ActualGrant<'a>>,
        /// Why the origin got no CORS headers (a cross-origin request the
        /// policy refuses), for reports.
        refusal: Option<Refusal<'a>>,
        /// Whether the answer depends on `Origin`.
        vary_origin: bool,
    },
}

/// A policy compiled for deciding: sets for lookups, header values ready.
#[derive(Clone, Debug)]
pub struct CorsPolicy {
    any_origin: bool,
    /// Shared between routes that inherit the same list (one compiled set
    /// for a list of 100,000 origins, not one per route).
    origins: Arc<OriginSet>,
    credentials: bool,
    any_method: bool,
    methods: Vec<Box<str>>,
    headers: HeaderSet,
    allow_methods: Option<Box<str>>,
    allow_headers: Option<Box<str>>,
    expose_headers: Option<Box<str>>,
    max_age: Option<Box<str>>,
    local_network: bool,
    debug: bool,
    shadow: bool,
}

/// Compiled origin sets by the address of the origin list they came from,
/// while the specs they came from are alive.
#[derive(Default)]
pub(crate) struct OriginSets(std::collections::HashMap<usize, (bool, Arc<OriginSet>)>);

impl CorsPolicy {
    /// Compiles a policy. Validation is the caller's job (see
    /// [`crate::policy`]); this never fails, and a policy that allows `*`
    /// with credentials still never sends `*` with credentials: it echoes.
    pub fn new(spec: &PolicySpec) -> CorsPolicy {
        CorsPolicy::sharing(spec, &mut OriginSets::default())
    }

    /// Compiles a policy, reusing from `sets` the origin set of a policy
    /// compiled before with the same origin list (the same `Arc`).
    pub(crate) fn sharing(spec: &PolicySpec, sets: &mut OriginSets) -> CorsPolicy {
        let key = Arc::as_ptr(&spec.origins).cast::<()>() as usize;
        let (any_origin, origins) = sets
            .0
            .entry(key)
            .or_insert_with(|| {
                let mut origins = OriginSet::new();
                let mut any_origin = false;
                for entry in spec.origins.iter() {
                    match entry {
                        OriginEntry::Any => any_origin = true,
                        OriginEntry::Exact(o) => origins.insert_exact(o),
                        OriginEntry::Pattern(p) => origins.insert_pattern(p),
                    }
                }
                (any_origin, Arc::new(origins))
            })
            .clone();
        let any_method = spec.methods.iter().any(|m| m == "*");
        let methods: Vec<Box<str>> = spec
            .methods
            .iter()
            .filter(|m| *m != "*")
            .map(|m| m.as_str().into())
            .collect();
        let listed_methods: Vec<&str> = methods
            .iter()
            .map(|m| &**m)
            .filter(|m| !crate::method::is_safelisted(m))
            .collect();
        let headers = HeaderSet::new(spec.request_headers.iter().map(String::as_str));
        let listed_headers: Vec<String> = spec
            .request_headers
            .iter()
            .filter(|h| *h != "*")
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let expose: Vec<&str> = spec.expose_headers.iter().map(String::as_str).collect();
        let join = |items: &[&str]| (!items.is_empty()).then(|| items.join(", ").into_boxed_str());
        CorsPolicy {
            any_origin,
            origins,
            credentials: spec.credentials,
            any_method,
            allow_methods: join(&listed_methods),
            methods,
            allow_headers: join(
                &listed_headers
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            ),
            headers,
            expose_headers: join(&expose),
            max_age: spec.max_age.and_then(|s| match s {
                0 => None,
                s if s < 0 => Some("0".into()),
                s => Some(s.to_string().into()),
            }),
            local_network: spec.local_network,
            debug: spec.debug,
            shadow: spec.shadow,
        }
    }

    /// How many exact origins the policy lists.
    pub fn exact_origin_count(&self) -> usize {
        self.origins.exact_count()
    }

    /// For a refused origin, the allowed one it was probably meant to be.
    pub fn nearest_origin(&self, origin: &str) -> Option<&str> {
        self.origins.nearest_exact(origin)
    }

    /// Whether refusals are only reported (every request let through untouched).
    pub fn shadow(&self) -> bool {
        self.shadow
    }

    /// Whether refusals say why in the answer.
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// Whether the policy allows any method (`*`: answers echo the request).
    pub fn any_method(&self) -> bool {
        self.any_method
    }

    /// Whether the policy allows any request header (`*`: answers echo).
    pub fn any_header(&self) -> bool {
        self.headers.allows_any()
    }

    /// Whether preflights asking for local-network access are granted.
    pub fn local_network(&self) -> bool {
        self.local_network
    }

    /// Whether credentials are allowed.
    pub fn credentials(&self) -> bool {
        self.credentials
    }

    /// The precomputed `Access-Control-Allow-Methods` value, if any.
    pub fn allow_methods_value(&self) -> Option<&str> {
        self.allow_methods.as_deref()
    }

    /// The precomputed `Access-Control-Allow-Headers` value, if any.
    pub fn allow_headers_value(&self) -> Option<&str> {
        self.allow_headers.as_deref()
    }

    /// The precomputed `Access-Control-Expose-Headers` value, if any.
    pub fn expose_headers_value(&self) -> Option<&str> {
        self.expose_headers.as_deref()
    }

    /// The precomputed `Access-Control-Max-Age` value, if any.
    pub fn max_age_value(&self) -> Option<&str> {
        self.max_age.as_deref()
    }

    /// Whether the answer to any request depends on its `Origin`.
    pub fn varies_by_origin(&self) -> bool {
        !self.any_origin || self.credentials
    }

    fn allow_origin<'a>(&self, origin: &'a [u8]) -> Option<AllowOrigin<'a>> {
        if self.any_origin {
            // `*` is never sent with credentials: then the origin is echoed.
            return Some(if self.credentials {
                AllowOrigin::Echo(origin)
            } else {
                AllowOrigin::Any
            });
        }
        self.origins
            .contains(origin)
            .then_some(AllowOrigin::Echo(origin))
    }

    fn allows_method(&self, method: &[u8]) -> bool {
        // GET, HEAD and POST need no listing: browsers never check them.
        matches!(method, b"GET" | b"HEAD" | b"POST")
            || (self.any_method
                && crate::grammar::is_token_bytes(method)
                && !std::str::from_utf8(method).is_ok_and(crate::method::is_forbidden))
            || self.methods.iter().any(|m| m.as_bytes() == method)
    }

    /// Decides what to do with a request. Never allocates.
    pub fn decide<'a>(&'a self, req: &CorsRequest<'a>) -> Decision<'a> {
        let is_preflight = req.method == "OPTIONS"
            && req.origin != Field::Absent
            && req.request_method != Field::Absent;
        let vary_origin = self.varies_by_origin();
        let refused = |refusal: Refusal<'a>| {
            if is_preflight {
                Decision::PreflightRefused {
                    refusal,
                    debug: None,
                }
            } else {
                Decision::Actual {
                    grant: None,
                    refusal: Some(refusal),
                    vary_origin,
                }
            }
        };
        let origin = match req.origin {
            Field::Absent => {
                return Decision::Actual {
                    grant: None,
                    refusal: None,
                    vary_origin,
                };
            }
            Field::Many => return refused(Refusal::DuplicateOrigin),
            Field::One(o) => o,
        };
        let Some(allow_origin) = self.allow_origin(origin) else {
            return refused(Refusal::OriginNotAllowed(origin));
        };
        if !is_preflight {
            return Decision::Actual {
                grant: Some(ActualGrant {
                    allow_origin,
                    allow_credentials: self.credentials,
                    expose_headers: self.expose_headers.as_deref(),
                }),
                refusal: None,
                vary_origin,
            };
        }
        let mut grant = PreflightGrant {
            allow_origin,
            allow_credentials: self.credentials,
            allow_methods: None,
            allow_headers: None,
            max_age: self.max_age.as_deref(),
            allow_local_network: false,
        };
        // Debug mode's answer for a refusal lists only what the policy names,
        // never an echo: the browser must see what was refused missing.
        let refuse = |refusal: Refusal<'a>, mut grant: PreflightGrant<'a>| {
            grant.allow_methods = self.allow_methods.as_deref().map(AllowList::Policy);
            grant.allow_headers = self.allow_headers.as_deref().map(AllowList::Policy);
            Decision::PreflightRefused {
                refusal,
                debug: self.debug.then_some(grant),
            }
        };
        let Field::One(method) = req.request_method else {
            return refuse(Refusal::MalformedPreflight, grant);
        };
        grant.allow_methods = if self.any_method {
            Some(AllowList::Echo(method))
        } else {
            self.allow_methods.as_deref().map(AllowList::Policy)
        };
        let headers = match req.request_headers {
            Field::Absent => None,
            Field::One(h) if h.iter().all(|b| *b == b' ' || *b == b'\t') => None,
            Field::One(h) => Some(h),
            Field::Many => return refuse(Refusal::MalformedPreflight, grant),
        };
        if let Some(h) = headers {
            grant.allow_headers = if self.headers.allows_any() {
                Some(AllowList::Echo(h))
            } else {
                self.allow_headers.as_deref().map(AllowList::Policy)
            };
        }
        if !self.allows_method(method) {
            if !crate::grammar::is_token_bytes(method) {
                return refuse(Refusal::MalformedPreflight, grant);
            }
            return refuse(Refusal::MethodNotAllowed(method), grant);
        }
        if let Some(h) = headers {
            match self.headers.check(h) {
                Ok(()) => {}
                Err(HeadersRefusal::NotAllowed(name)) => {
                    return refuse(Refusal::HeaderNotAllowed(name), grant)
                }
                Err(HeadersRefusal::TooLong) => {
                    return refuse(Refusal::RequestHeadersTooLong, grant)
                }
                Err(HeadersRefusal::Malformed) => {
                    return refuse(Refusal::MalformedPreflight, grant)
                }
            }
        }
        if req.request_local_network {
            if !self.local_network {
                return refuse(Refusal::LocalNetworkNotAllowed, grant);
            }
            grant.allow_local_network = true;
        }
        Decision::PreflightAllowed(grant)
    }
}
