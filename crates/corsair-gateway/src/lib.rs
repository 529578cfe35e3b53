//! `corsair serve`: a reverse proxy that owns CORS for any upstream. The
//! `corsair-tower` layer answers preflights and puts the CORS headers on every
//! response (the upstream's successes and errors, and the gateway's own 400,
//! 408, 413, 502 and 504), replacing any the upstream sends. The gateway's
//! own answers carry `x-corsair` ([`OWN_HEADER`]) with a word saying why; a
//! refused preflight carries `x-corsair-refusal` with the refusal's code. Hostile clients are
//! held to bounds: header and idle timeouts, a connection cap with shedding,
//! HTTP/2 streams and upstream connections per client capped.

#![warn(missing_docs)]

pub mod admin;
pub mod body;
pub mod dashboard;
pub mod guard;
pub mod hop;
pub mod journal;
pub mod live;
pub mod metrics;
pub mod notice;
pub mod own;
pub mod pool;
pub mod proxy;
pub mod server;
pub mod tls;
pub mod workers;

pub use live::{compile, Compiled, Live, PolicySource, PolicySummary, Reloaded};
pub use metrics::Metrics;
pub use own::{Own, OWN_HEADER};
pub use proxy::{Proxy, ProxyConfig, Upstream, UpstreamError};
pub use server::{bind, serve, ServeConfig};
