//! A tower [`Layer`](tower_layer::Layer) that applies a Corsair CORS policy to
//! any tower service (axum, hyper, tonic-web, the `corsair serve` gateway).
//!
//! - The policy is validated before the layer exists ([`CorsLayer::from_toml`],
//!   [`CorsLayer::new`] with a [`PolicyBuilder`]): no panic, no silent `*`
//!   with credentials.
//! - Only a real preflight (OPTIONS with `Origin` and
//!   `Access-Control-Request-Method`) is answered; any other OPTIONS reaches
//!   the application. A refused preflight gets 403, no CORS headers, and
//!   the refusal's code in `x-corsair-refusal` (`origin-not-allowed`,
//!   `method-not-allowed`, `header-not-allowed`, ...; never what the policy
//!   allows).
//! - Every other response, the application's errors included, gets the CORS
//!   headers for an allowed origin; CORS headers the application set itself
//!   are replaced (a duplicate layer is reported once); `Vary` is merged, never
//!   duplicated; a refused origin gets no `Access-Control-Allow-Credentials`.
//! - Deciding never allocates; header values are built once.
//!
//! ```
//! use corsair_core::policy::PolicyBuilder;
//! use corsair_tower::CorsLayer;
//! let layer = CorsLayer::new(
//!     PolicyBuilder::new()
//!         .origins(["https://app.example.com"])
//!         .credentials(true)
//!         .methods(["PUT", "DELETE"])
//!         .request_headers(["content-type", "authorization"])
//!         .max_age(7200),
//! )
//! .expect("a valid policy");
//! # let _ = layer;
//! ```

#![warn(missing_docs)]

mod apply;
mod future;
pub mod served;
mod values;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::task::{Context, Poll};

use corsair_core::policy::{PolicyBuilder, PolicyError, Problem};
use corsair_core::server::route::PolicySet;
use corsair_core::server::{CorsPolicy, CorsRequest, Decision, Field, Refusal};
use corsair_core::Slug;
use http::{header, HeaderMap, Method, Request, Response};
use tower_layer::Layer;
use tower_service::Service;

pub use apply::REFUSAL_HEADER;
pub use corsair_core;
pub use future::ResponseFuture;

use values::PolicyValues;

/// What the layer refused (or, in shadow mode, would have refused).
#[derive(Debug)]
pub struct RefusalReport<'a> {
    /// Why, with the refused origin, method or header.
    pub refusal: &'a Refusal<'a>,
    /// The catalog slug it is counted under.
    pub slug: Slug,
    /// The index of the route whose policy decided (`None`: the default policy).
    pub route: Option<usize>,
    /// Whether it was a preflight.
    pub preflight: bool,
    /// Shadow mode: the request was let through.
    pub shadow: bool,
    /// The policy that refused.
    pub policy: &'a CorsPolicy,
    /// The request's `Origin` (absent, or sent more than once: `None`).
    pub origin: Option<&'a [u8]>,
}

/// Above this many exact origins, "did you mean" is not worked out (it
/// costs a comparison with each, on every refusal).
const SUGGEST_LIMIT: usize = 256;

impl RefusalReport<'_> {
    /// The refusal in plain words, with the origin it was probably meant to
    /// be when the origin was refused (`origin https://www.app.example.com
    /// refused: not in the policy; did you mean https://app.example.com?`).
    pub fn explain(&self) -> String {
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let what = if self.preflight {
            "preflight"
        } else {
            "request"
        };
        match self.refusal {
            Refusal::OriginNotAllowed(o) => {
                let origin = lossy(o);
                let hint = (self.policy.exact_origin_count() <= SUGGEST_LIMIT)
                    .then(|| self.policy.nearest_origin(&origin))
                    .flatten()
                    .map(|n| format!("; did you mean {n}?"))
                    .unwrap_or_default();
                format!("origin {origin} refused: not in the policy{hint}")
            }
            Refusal::MethodNotAllowed(m) => {
                format!(
                "{what} refused: method {} is not allowed (the policy allows GET, HEAD, POST{})",
                lossy(m),
                self.policy.allow_methods_value().map(|v| format!(", {v}")).unwrap_or_default()
            )
            }
            Refusal::HeaderNotAllowed(h) => format!(
                "{what} refused: request header {} is not allowed (the policy allows: {})",
                lossy(h),
                self.policy
                    .allow_headers_value()
                    .unwrap_or("only safelisted headers")
            ),
            other => format!("{what} refused: {other}"),
        }
    }
}

/// Called for every refusal (metrics, logs).
pub type OnRefusal = Arc<dyn Fn(&RefusalReport<'_>) + Send + Sync>;

/// Called once per route when the application sets CORS headers itself.
pub type OnDuplicate = Arc<dyn Fn(Option<usize>) + Send + Sync>;

pub(crate) struct Shared {
    set: PolicySet,
    values: Vec<PolicyValues>,
    on_refusal: Option<OnRefusal>,
    on_duplicate: Option<OnDuplicate>,
    /// One flag per policy (default first): duplicate layers reported once.
    duplicate_seen: Vec<AtomicBool>,
}

/// The layer. Cheap to clone.
#[derive(Clone)]
pub struct CorsLayer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorsLayer").finish_non_exhaustive()
    }
}

impl CorsLayer {
    /// A layer for a policy built in code; refused if it has errors.
    pub fn new(policy: PolicyBuilder) -> Result<CorsLayer, PolicyError> {
        Ok(CorsLayer::from_policy_set(policy.build()?))
    }

    /// A layer for a `corsair.toml` text, for a stage, with the origins of
    /// `CORS_ORIGINS` (`env_origins`); returns the warnings too.
    pub fn from_toml(
        text: &str,
        stage: Option<&str>,
        env_origins: Option<&str>,
    ) -> Result<(CorsLayer, Vec<Problem>), PolicyError> {
        let (set, warnings) = corsair_core::policy::from_toml(text, stage, env_origins)?;
        Ok((CorsLayer::from_policy_set(set), warnings))
    }

    /// A layer for an already checked policy set.
    pub fn from_policy_set(set: PolicySet) -> CorsLayer {
        let values: Vec<PolicyValues> = set.policies().map(PolicyValues::new).collect();
        let duplicate_seen = values.iter().map(|_| AtomicBool::new(false)).collect();
        CorsLayer {
            shared: Arc::new(Shared {
                set,
                values,
                on_refusal: None,
                on_duplicate: None,
                duplicate_seen,
            }),
        }
    }

    fn shared_mut(&mut self) -> &mut Shared {
        // Configured before use; clone on write if it was shared already.
        if Arc::get_mut(&mut self.shared).is_none() {
            let s = &self.shared;
            self.shared = Arc::new(Shared {
                set: s.set.clone(),
                values: s.values.clone(),
                on_refusal: s.on_refusal.clone(),
                on_duplicate: s.on_duplicate.clone(),
                duplicate_seen: s.values.iter().map(|_| AtomicBool::new(false)).collect(),
            });
        }
        Arc::get_mut(&mut self.shared).expect("unique after clone")
    }

    /// Calls `f` for every refusal (and every would-be refusal in shadow
    /// mode). Without it, refusals are logged with `tracing` at debug level
    /// (info in shadow mode).
    pub fn on_refusal(mut self, f: impl Fn(&RefusalReport<'_>) + Send + Sync + 'static) -> Self {
        self.shared_mut().on_refusal = Some(Arc::new(f));
        self
    }

    /// Calls `f` the first time, per route, that the application's response
    /// carries CORS headers of its own (they are replaced). Without it, a
    /// `duplicate-cors-layer` warning is logged with `tracing`.
    pub fn on_duplicate(mut self, f: impl Fn(Option<usize>) + Send + Sync + 'static) -> Self {
        self.shared_mut().on_duplicate = Some(Arc::new(f));
        self
    }

    /// The policies this layer applies.
    pub fn policies(&self) -> &PolicySet {
        &self.shared.set
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Cors<S> {
        Cors {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// The service the layer wraps around an application.
#[derive(Clone)]
pub struct Cors<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Cors<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cors")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

const REQUEST_LOCAL_NETWORK: header::HeaderName =
    header::HeaderName::from_static("access-control-request-private-network");

/// Counts one more value of a header: absent, once, or more.
fn note<'a>(
    field: &mut Field<'a>,
    first: &mut Option<&'a http::HeaderValue>,
    value: &'a http::HeaderValue,
) {
    *field = match field {
        Field::Absent => {
            *first = Some(value);
            Field::One(value.as_bytes())
        }
        _ => Field::Many,
    };
}

/// A header as the model sees it, and its first value.
fn one_field<'a>(
    headers: &'a HeaderMap,
    name: &header::HeaderName,
) -> (Field<'a>, Option<&'a http::HeaderValue>) {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => (Field::Absent, None),
        (Some(v), None) => (Field::One(v.as_bytes()), Some(v)),
        (Some(v), Some(_)) => (Field::Many, Some(v)),
    }
}

impl Shared {
    fn report(
        &self,
        policy: &CorsPolicy,
        refusal: &Refusal<'_>,
        route: Option<usize>,
        preflight: bool,
        shadow: bool,
        origin: Option<&[u8]>,
    ) {
        let report = RefusalReport {
            refusal,
            slug: refusal.slug(),
            route,
            preflight,
            shadow,
            policy,
            origin,
        };
        match &self.on_refusal {
            Some(f) => f(&report),
            None if shadow => {
                tracing::info!(target: "corsair", slug = %report.slug, route = ?route, preflight, "shadow mode, would refuse: {}", report.explain())
            }
            None => {
                tracing::debug!(target: "corsair", slug = %report.slug, route = ?route, preflight, "{}", report.explain())
            }
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Cors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let shared = &*self.shared;
        let (route, policy) = shared.set.for_path(req.uri().path());
        let values = &shared.values[route.map_or(0, |r| r + 1)];
        let headers = req.headers();
        // Only OPTIONS can be a preflight: other requests skip those lookups.
        let is_options = req.method() == Method::OPTIONS;
        let mut seen = apply::Seen::default();
        let (mut origin, mut request_method, mut request_headers) =
            (Field::Absent, Field::Absent, Field::Absent);
        let mut request_local_network = false;
        if is_options {
            // One pass over the request's headers finds all three (cheaper
            // than three lookups), and notices any repeated.
            let local_network = policy.local_network();
            for (name, value) in headers {
                if *name == header::ORIGIN {
                    note(&mut origin, &mut seen.origin, value);
                } else if *name == header::ACCESS_CONTROL_REQUEST_METHOD {
                    note(&mut request_method, &mut seen.request_method, value);
                } else if *name == header::ACCESS_CONTROL_REQUEST_HEADERS {
                    note(&mut request_headers, &mut seen.request_headers, value);
                } else if local_network && *name == REQUEST_LOCAL_NETWORK {
                    // Without the grant, the answer lacks Access-Control-Allow-Private-Network
                    // and the browser refuses by itself: no need to look.
                    request_local_network = value.as_bytes().eq_ignore_ascii_case(b"true");
                }
            }
        } else {
            (origin, seen.origin) = one_field(headers, &header::ORIGIN);
        }
        let view = CorsRequest {
            method: req.method().as_str(),
            origin,
            request_method,
            request_headers,
            request_local_network,
        };
        let decision = policy.decide(&view);
        // For the refusal's report (the gateway's dashboard lists it).
        let origin_bytes = match origin {
            Field::One(o) => Some(o),
            _ => None,
        };
        let preflight = matches!(
            decision,
            Decision::PreflightAllowed(_) | Decision::PreflightRefused { .. }
        );
        if policy.shadow() {
            if let Decision::PreflightRefused { refusal, .. }
            | Decision::Actual {
                refusal: Some(refusal),
                ..
            } = &decision
            {
                shared.report(policy, refusal, route, preflight, true, origin_bytes);
            }
            return ResponseFuture::passthrough(self.inner.call(req));
        }
        match decision {
            Decision::PreflightAllowed(grant) => {
                ResponseFuture::ready(apply::preflight_allowed(&grant, values, &seen))
            }
            Decision::PreflightRefused { refusal, debug } => {
                shared.report(policy, &refusal, route, true, false, origin_bytes);
                ResponseFuture::ready(apply::preflight_refused(
                    &refusal,
                    debug.as_ref(),
                    values,
                    &seen,
                ))
            }
            Decision::Actual {
                grant,
                refusal,
                vary_origin,
            } => {
                if let Some(refusal) = &refusal {
                    shared.report(policy, refusal, route, false, false, origin_bytes);
                }
                let add = apply::ActualHeaders::new(grant.as_ref(), vary_origin, values, &seen);
                let policy_index = route.map_or(0, |r| r + 1);
                ResponseFuture::inner(self.inner.call(req), add, self.shared.clone(), policy_index)
            }
        }
    }
}

impl Shared {
    /// Reports a duplicate CORS layer once per policy.
    pub(crate) fn duplicate(&self, index: usize) {
        let Some(flag) = self.duplicate_seen.get(index) else {
            return;
        };
        if flag.swap(true, std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let route = index.checked_sub(1);
        match &self.on_duplicate {
            Some(f) => f(route),
            None => tracing::warn!(
                target: "corsair",
                slug = %Slug::DuplicateCorsLayer,
                route = ?route,
                "the application sets CORS headers itself; corsair replaced them (remove the application's CORS setup)"
            ),
        }
    }
}
