//! The zoo's machinery: real servers (nginx, Caddy, Express, FastAPI,
//! Flask, Django) started for a test on free ports of 127.0.0.1 and killed
//! when it ends, the doctor run against them, and real Chromium.

pub mod apache;
pub mod browser;
pub mod caddy;
pub mod doctor;
pub mod fixes;
pub mod gateway;
pub mod go;
pub mod haproxy;
pub mod nextjs;
pub mod nginx;
pub mod node;
pub mod process;
pub mod python;
pub mod rails;
pub mod rust_app;
pub mod spring;
pub mod workers;
