//! What the HAR tests share: the exports in `tests/data`, a whole-file
//! read, header lists, entries built by hand, the exchanges expected of
//! the pairing, exports generated as they are read ([`generated`]), and the
//! former whole-file pairing ([`reference`]).
// Each test binary uses a part of the harness.
#![allow(dead_code)]

pub mod generated;
pub mod reference;

use corsair_doctor::har::{read, Entry, Exchange, HarError, HarSummary};

/// The bytes of an export in `tests/data`.
pub fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every entry of an export, with its summary.
pub fn read_all(bytes: &[u8]) -> Result<(HarSummary, Vec<Entry>), HarError> {
    let mut entries = Vec::new();
    let summary = read(bytes, |e| entries.push(e))?;
    Ok((summary, entries))
}

/// A header list from `(name, value)` pairs.
pub fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// An entry (`method` to `url`, answered 200) started `ms` milliseconds
/// after 10:00 on 2024-05-01.
pub fn entry_at(method: &str, url: &str, ms: u64) -> Entry {
    let mut e = Entry {
        started: Some(format!(
            "2024-05-01T10:{:02}:{:02}.{:03}Z",
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        )),
        ..Entry::default()
    };
    e.request.method = method.into();
    e.request.url = url.into();
    e.response.status = 200;
    e
}

/// A preflight to `url` asking for `acrm`, answered 204, at `ms`.
pub fn preflight_at(url: &str, acrm: &str, ms: u64) -> Entry {
    let mut e = entry_at("OPTIONS", url, ms);
    e.request.headers = h(&[("Access-Control-Request-Method", acrm)]);
    e.response.status = 204;
    e
}

/// An entry answered 302 to `to`, at `ms`.
pub fn redirect_at(method: &str, url: &str, to: &str, ms: u64) -> Entry {
    let mut e = entry_at(method, url, ms);
    e.response.status = 302;
    e.response.redirect_url = Some(to.into());
    e
}

/// The exchange of a request and its preflight, by entry index.
pub fn x(request: usize, preflight: Option<usize>) -> Exchange {
    Exchange {
        request,
        preflight,
        ..Exchange::default()
    }
}

/// The exchange of a request followed through redirects, with the
/// preflight of each hop.
pub fn chain(request: usize, redirects: &[usize], preflights: &[Option<usize>]) -> Exchange {
    Exchange {
        request,
        redirects: redirects.to_vec(),
        redirect_preflights: preflights.to_vec(),
        ..Exchange::default()
    }
}

/// A preflight with no request after it.
pub fn lone(p: usize) -> Exchange {
    Exchange {
        request: p,
        preflight: Some(p),
        lone_preflight: true,
        ..Exchange::default()
    }
}
