//! The Corsair gateway run in the test's process, in front of an upstream,
//! on a free port of 127.0.0.1; stopped when dropped.

use std::sync::Arc;

use corsair_gateway::{serve, Live, Metrics, Proxy, ProxyConfig, ServeConfig, Upstream};
use corsair_tower::CorsLayer;

use super::fixes::Fixed;

/// A running gateway (its own runtime, dropped with it).
pub struct Gateway {
    /// Held so the gateway keeps running; dropped with it.
    _runtime: tokio::runtime::Runtime,
    port: u16,
}

impl Gateway {
    /// The gateway with `layer` in front of `upstream` (a URL).
    pub fn start(layer: CorsLayer, upstream: &str) -> Gateway {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("cannot start the gateway's runtime: {e}"));
        let upstream = Upstream::parse(upstream)
            .unwrap_or_else(|e| panic!("the upstream {upstream} does not parse: {e}"));
        let port = runtime.block_on(async {
            let proxy = Proxy::new(upstream, ProxyConfig::default());
            let listener = super::process::claim_listener();
            listener
                .set_nonblocking(true)
                .unwrap_or_else(|e| panic!("cannot make the gateway's socket non-blocking: {e}"));
            let listener = tokio::net::TcpListener::from_std(listener)
                .unwrap_or_else(|e| panic!("cannot hand the gateway's socket to tokio: {e}"));
            let port = listener
                .local_addr()
                .unwrap_or_else(|e| panic!("no address: {e}"))
                .port();
            let live = Live::new(layer, Arc::new(Metrics::default()));
            tokio::spawn(serve(
                listener,
                live,
                proxy,
                None,
                std::future::pending(),
                ServeConfig::default(),
            ));
            port
        });
        Gateway {
            _runtime: runtime,
            port,
        }
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Fixed for Gateway {
    fn port(&self) -> u16 {
        self.port
    }
    fn output(&self) -> String {
        "(the gateway runs in the test process: its log is the test's output)".into()
    }
}
