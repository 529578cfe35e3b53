//! The whole-file pairing as it was before it streamed, kept to check that
//! the streaming one finds the same exchanges where both apply.

use corsair_doctor::har::{is_preflight, parse_time, Entry, Exchange, PREFLIGHT_SKEW_US};
use std::collections::HashMap;
use url::Url;

/// The URL a request's entries are matched on: parsed and without fragment
/// when it parses, else as written.
fn url_key(url: &str) -> String {
    match Url::parse(url.trim()) {
        Ok(mut u) => {
            u.set_fragment(None);
            u.into()
        }
        Err(_) => url.trim().to_owned(),
    }
}

/// Groups entries into exchanges, ordered by their first entry.
///
/// - A preflight goes with the request it precedes: the request whose
///   `_requestId` its `_initiator.requestId` names when the export has ids;
///   else a request to the same URL (or to its `_initiator.url`) whose
///   method is the preflight's `Access-Control-Request-Method`, started at
///   most [`PREFLIGHT_SKEW_US`] before the preflight and nearest to it in
///   time (in file order when times are missing).
/// - A 3xx response whose `redirectURL` (or `Location`) names the URL of a
///   later request with the same method (or GET after a 303, or after a 301
///   or 302 to a POST) continues into that request; the chain is one exchange.
/// - Every other entry is an exchange of its own.
pub fn old_pair(entries: &[Entry]) -> Vec<Exchange> {
    let n = entries.len();
    let times: Vec<Option<i64>> = entries
        .iter()
        .map(|e| e.started.as_deref().and_then(parse_time))
        .collect();
    let preflight: Vec<bool> = entries.iter().map(is_preflight).collect();
    let keys: Vec<String> = entries.iter().map(|e| url_key(&e.request.url)).collect();
    let mut by_url: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, key) in keys.iter().enumerate() {
        if !preflight.get(i).copied().unwrap_or(false) {
            by_url.entry(key.as_str()).or_default().push(i);
        }
    }
    let time = |i: usize| times.get(i).copied().flatten();
    // Whether `b` comes after `a`: by time when both have one, else by position.
    let after = |a: usize, b: usize| match (time(a), time(b)) {
        (Some(ta), Some(tb)) => (tb, b) > (ta, a),
        _ => b > a,
    };
    let distance = |a: usize, b: usize| match (time(a), time(b)) {
        (Some(ta), Some(tb)) => (tb.abs_diff(ta), a.abs_diff(b)),
        _ => (u64::MAX, a.abs_diff(b)),
    };

    // Redirect chains.
    let mut next: Vec<Option<usize>> = vec![None; n];
    let mut prev: Vec<Option<usize>> = vec![None; n];
    for (i, entry) in entries.iter().enumerate() {
        let status = entry.response.status;
        if preflight.get(i).copied().unwrap_or(true) || !(300..400).contains(&status) {
            continue;
        }
        let Some(target) = entry
            .response
            .redirect_url
            .as_deref()
            .or_else(|| entry.response.header("location"))
            .filter(|t| !t.trim().is_empty())
        else {
            continue;
        };
        let target =
            match Url::parse(entry.request.url.trim()).and_then(|base| base.join(target.trim())) {
                Ok(u) => url_key(u.as_str()),
                Err(_) => url_key(target),
            };
        let method = entry.request.method.as_str();
        let best = by_url
            .get(target.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&j| j != i && prev.get(j).copied().flatten().is_none() && after(i, j))
            .filter(|&j| {
                entries.get(j).is_some_and(|e| {
                    let m = e.request.method.as_str();
                    m == method
                        || (m == "GET"
                            && (status == 303 || (matches!(status, 301 | 302) && method == "POST")))
                })
            })
            .min_by_key(|&j| distance(i, j));
        if let Some(j) = best {
            if let (Some(nx), Some(pv)) = (next.get_mut(i), prev.get_mut(j)) {
                *nx = Some(j);
                *pv = Some(i);
            }
        }
    }

    // Preflights.
    let mut preflight_of: Vec<Option<usize>> = vec![None; n];
    let mut paired = vec![false; n];
    let by_id: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .filter(|(i, _)| !preflight.get(*i).copied().unwrap_or(true))
        .filter_map(|(i, e)| e.request_id.as_deref().map(|id| (id, i)))
        .collect();
    for (p, entry) in entries.iter().enumerate() {
        if !preflight.get(p).copied().unwrap_or(false) {
            continue;
        }
        let by_request_id = entry
            .initiator
            .as_ref()
            .and_then(|ini| ini.request_id.as_deref())
            .and_then(|id| by_id.get(id).copied())
            .filter(|&r| preflight_of.get(r).copied().flatten().is_none());
        let chosen = by_request_id.or_else(|| {
            let acrm = entry
                .request
                .header("access-control-request-method")
                .map(str::trim);
            let mut urls = vec![keys.get(p).map(String::as_str).unwrap_or("")];
            let initiator_url = entry
                .initiator
                .as_ref()
                .and_then(|i| i.url.as_deref())
                .map(url_key);
            if let Some(u) = initiator_url.as_deref() {
                urls.push(u);
            }
            urls.iter()
                .filter_map(|u| by_url.get(u))
                .flatten()
                .copied()
                .filter(|&r| preflight_of.get(r).copied().flatten().is_none())
                .filter(|&r| {
                    entries.get(r).is_some_and(|e| match acrm {
                        Some(m) => e.request.method == m,
                        None => !e.request.method.eq_ignore_ascii_case("OPTIONS"),
                    })
                })
                .filter(|&r| match (time(p), time(r)) {
                    (Some(tp), Some(tr)) => tr >= tp.saturating_sub(PREFLIGHT_SKEW_US),
                    _ => r > p,
                })
                .min_by_key(|&r| distance(p, r))
        });
        if let Some(r) = chosen {
            if let (Some(slot), Some(done)) = (preflight_of.get_mut(r), paired.get_mut(p)) {
                *slot = Some(p);
                *done = true;
            }
        }
    }

    // Exchanges.
    let mut visited = vec![false; n];
    let mut out = Vec::new();
    let heads = (0..n).filter(|&i| prev.get(i).copied().flatten().is_none());
    // Entries not reached from a head are on a cycle: start there.
    let rest: Vec<usize> = (0..n).collect();
    for start in heads.collect::<Vec<_>>().into_iter().chain(rest) {
        if preflight.get(start).copied().unwrap_or(true)
            || visited.get(start).copied().unwrap_or(true)
        {
            continue;
        }
        if let Some(v) = visited.get_mut(start) {
            *v = true;
        }
        let mut exchange = Exchange {
            request: start,
            preflight: preflight_of.get(start).copied().flatten(),
            ..Exchange::default()
        };
        let mut cursor = next.get(start).copied().flatten();
        while let Some(hop) = cursor {
            match visited.get_mut(hop) {
                Some(v) if !*v => *v = true,
                _ => break,
            }
            exchange.redirects.push(hop);
            exchange
                .redirect_preflights
                .push(preflight_of.get(hop).copied().flatten());
            cursor = next.get(hop).copied().flatten();
        }
        out.push(exchange);
    }
    for p in 0..n {
        if preflight.get(p).copied().unwrap_or(false) && !paired.get(p).copied().unwrap_or(true) {
            out.push(Exchange {
                request: p,
                preflight: Some(p),
                lone_preflight: true,
                ..Exchange::default()
            });
        }
    }
    out.sort_by_key(|e| e.request);
    out
}
