//! An axum API behind a Corsair CORS policy.
//!
//! ```sh
//! cargo run -p corsair-tower --example axum              # the policy below
//! cargo run -p corsair-tower --example axum -- corsair.toml
//! curl -si -X OPTIONS http://127.0.0.1:3000/api/items \
//!   -H 'Origin: https://app.example.com' -H 'Access-Control-Request-Method: PUT'
//! ```
//!
//! The policy is checked before the server starts: a mistake in it stops the
//! program with every problem listed, as `corsair lint` shows them.

use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use corsair_tower::CorsLayer;

const POLICY: &str = r#"
[cors]
origins = ["https://app.example.com"]
credentials = true
methods = ["PUT", "DELETE"]
request-headers = ["content-type", "authorization"]
expose-headers = ["etag"]
max-age = 7200

[stages.development]
extra-origins = ["http://localhost:5173"]
debug = true

[[routes]]
path = "/public/**"
origins = ["*"]
credentials = false
"#;

#[tokio::main]
async fn main() {
    let text = match std::env::args().nth(1) {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                std::process::exit(2);
            }
        },
        None => POLICY.to_owned(),
    };
    let stage = std::env::var("CORSAIR_STAGE").ok();
    let env_origins = std::env::var("CORS_ORIGINS").ok();
    let layer = match CorsLayer::from_toml(&text, stage.as_deref(), env_origins.as_deref()) {
        Ok((layer, warnings)) => {
            for w in warnings {
                eprintln!("warning[{}]: {} (fix: {})", w.slug, w.message, w.fix);
            }
            layer
        }
        Err(e) => {
            for p in e.errors() {
                eprintln!("error[{}]: {} (fix: {})", p.slug, p.message, p.fix);
            }
            std::process::exit(1);
        }
    };
    let app = Router::new()
        .route(
            "/api/items",
            get(|| async { "[]" }).put(|| async { StatusCode::NO_CONTENT }),
        )
        // Errors get CORS headers too, so the page can read the real status.
        .route(
            "/api/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/public/logo", get(|| async { "logo" }))
        .layer(layer);
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:3000").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:3000: {e}");
            std::process::exit(2);
        }
    };
    eprintln!("listening on http://127.0.0.1:3000");
    if let Err(e) = axum::serve(listener, app).await {
        eprintln!("server error: {e}");
    }
}
