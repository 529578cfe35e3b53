//! Pairing: entries grouped into exchanges (a request, its preflight, the
//! redirects after it) as they stream by.
//!
//! Every match is a hash-map lookup: requests still free for a preflight are
//! indexed by method and URL (and by URL alone, and by `_requestId`),
//! requests still free to be a redirect's target by method and URL. Each
//! index holds entry numbers in a `BTreeSet`, so the candidates nearest to an
//! entry are found in `O(log n)` and only a few of them are compared. An
//! entry is decided [`PAIR_WINDOW`] entries after it arrived (so a request
//! may come before or after its preflight) and handed over once nothing
//! later can join its exchange; at most [`PENDING_ENTRIES`] entries and
//! [`PENDING_BYTES`] bytes wait, whatever the file's size.

use std::collections::{BTreeSet, HashMap, VecDeque};

use serde::Serialize;
use url::Url;

use super::{parse_time, Entry, MAX_SKIPPED_REASONS, PREFLIGHT_SKEW_US};

/// How far apart (in entries) a preflight and its request, or a redirect and
/// its next hop, may be in the file and still be matched. Browsers write
/// them a few entries apart at most; past this the preflight is judged on
/// its own (a lone preflight) and the hop as a request of its own.
pub const PAIR_WINDOW: usize = 1024;
/// The most entries waiting to be handed over. A chain of
/// [`MAX_KEPT_HOPS`] hops each [`PAIR_WINDOW`] entries apart is the worst
/// legitimate case; past this bound the oldest exchange is handed over with
/// what has been matched so far.
pub const PENDING_ENTRIES: usize = 32 * 1024;
/// The most bytes of entries waiting to be handed over (headers, URLs, kept
/// bodies); past it, as past [`PENDING_ENTRIES`].
pub const PENDING_BYTES: usize = 64 << 20;
/// Hops of one redirect chain kept: one more than the 20 redirects browsers
/// follow (`net::ERR_TOO_MANY_REDIRECTS` after that), so the model sees the
/// chain fail as the browser did. Later hops are counted, not judged.
pub const MAX_KEPT_HOPS: usize = corsair_core::browser::MAX_REDIRECTS + 1;
/// Candidates compared on each side of an entry in an index.
const NEIGHBOURS: usize = 8;

/// A request with its preflight and the redirects that followed it.
///
/// Indices are the entries' [`Entry::index`] (for [`pair`], positions in the
/// slice given to it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The first request of the chain; for a lone preflight, the preflight.
    pub request: usize,
    /// The preflight sent before `request`.
    pub preflight: Option<usize>,
    /// The later hops of a redirect chain, in order (at most
    /// [`MAX_KEPT_HOPS`]).
    pub redirects: Vec<usize>,
    /// For each of `redirects`, the preflight sent before that hop (a
    /// redirect to another origin can need a new one).
    pub redirect_preflights: Vec<Option<usize>>,
    /// A preflight for which no request was found (the browser did not send
    /// it, or the export lost it): then `request` and `preflight` are both
    /// the preflight.
    pub lone_preflight: bool,
}

/// An exchange and its entries, as [`Pairer`] hands it over.
#[derive(Clone, Debug, Default)]
pub struct Group {
    /// The exchange.
    pub exchange: Exchange,
    /// Its entries (the request, the preflights, the hops), at most
    /// `2 * (MAX_KEPT_HOPS + 1)`.
    pub entries: Vec<Entry>,
}

impl Group {
    /// The entry of that index, if it is in this group.
    pub fn entry(&self, index: usize) -> Option<&Entry> {
        self.entries.iter().find(|e| e.index == index)
    }
}

/// What the pairing cut or could not wait for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PairStats {
    /// Redirect hops past [`MAX_KEPT_HOPS`] of a chain (and their
    /// preflights): counted, not judged.
    pub hops_cut: usize,
    /// The first [`MAX_SKIPPED_REASONS`] chains cut: the index of the
    /// chain's first request and how many of its entries were not judged.
    pub chains_cut: Vec<(usize, usize)>,
    /// Exchanges handed over before their window closed, because
    /// [`PENDING_ENTRIES`] or [`PENDING_BYTES`] was reached.
    pub forced: usize,
    /// Requests that are not CORS requests at all (`data:`, `blob:`, `ws:`,
    /// `wss:`, extension and `about:` URLs): never judged; filled by
    /// `crate::har_check::judge_stream`.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_cors: usize,
    /// The first [`MAX_SKIPPED_REASONS`] of those: the entry and why it is
    /// not a CORS request.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_cors_entries: Vec<(usize, String)>,
}

// `serde`'s `skip_serializing_if` takes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whether an entry is a CORS preflight: Chrome's `_resourceType` or
/// `_initiator.type` says `preflight`, or it is an OPTIONS request with an
/// `Access-Control-Request-Method` header.
pub fn is_preflight(entry: &Entry) -> bool {
    entry
        .resource_type
        .as_deref()
        .is_some_and(|t| t.eq_ignore_ascii_case("preflight"))
        || entry
            .initiator
            .as_ref()
            .is_some_and(|i| i.kind.eq_ignore_ascii_case("preflight"))
        || (entry.request.method.eq_ignore_ascii_case("OPTIONS")
            && entry
                .request
                .header("access-control-request-method")
                .is_some())
}

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

/// The key of the method-and-URL indexes. A NUL cannot be in a parsed URL,
/// so two different pairs never share a key.
fn method_key(method: &str, url: &str) -> String {
    let mut key = String::with_capacity(method.len() + url.len() + 1);
    key.push_str(method);
    key.push('\0');
    key.push_str(url);
    key
}

/// About how many bytes an entry holds, for [`PENDING_BYTES`].
fn entry_bytes(e: &Entry) -> usize {
    let headers =
        |h: &[(String, String)]| -> usize { h.iter().map(|(n, v)| n.len() + v.len() + 48).sum() };
    let text = |t: &Option<String>| t.as_ref().map_or(0, String::len);
    512 + e.request.url.len()
        + headers(&e.request.headers)
        + headers(&e.response.headers)
        + text(&e.request.body_prefix)
        + text(&e.response.body_prefix)
        + text(&e.response.redirect_url)
        + e.initiator
            .as_ref()
            .map_or(0, |i| text(&i.url) + text(&i.request_id))
}

/// One entry waiting in the window.
struct Slot {
    /// `None` once handed over (or moved into its request, for a preflight).
    entry: Option<Entry>,
    /// The preflight paired with this request, moved here.
    preflight: Option<Entry>,
    time: Option<i64>,
    is_preflight: bool,
    /// The keys this entry is indexed under.
    url: String,
    method_url: String,
    request_id: Option<String>,
    /// Redirect links, by position in the stream.
    prev: Option<usize>,
    next: Option<usize>,
    /// Hops from the chain's first request, and that request's index.
    depth: usize,
    head: usize,
    bytes: usize,
}

/// Groups entries into exchanges as they stream by; see the module docs.
///
/// - A preflight goes with the request it precedes: the request whose
///   `_requestId` its `_initiator.requestId` names when the export has ids;
///   else a request to the same URL (or to its `_initiator.url`) whose
///   method is the preflight's `Access-Control-Request-Method`, started at
///   most [`PREFLIGHT_SKEW_US`] before the preflight and nearest to it in
///   time (in file order when times are missing), within [`PAIR_WINDOW`]
///   entries.
/// - A 3xx response whose `redirectURL` (or `Location`) names the URL of a
///   later request (within [`PAIR_WINDOW`] entries) with the same method (or
///   GET after a 303, or after a 301 or 302 to a POST) continues into that
///   request; the chain is one exchange, cut after [`MAX_KEPT_HOPS`] hops.
/// - Every other entry is an exchange of its own.
///
/// Exchanges are handed over in the order of their first entry.
#[derive(Default)]
pub struct Pairer {
    /// Entries from position `base` on.
    slots: VecDeque<Slot>,
    base: usize,
    /// Entries before this position have been decided.
    decided: usize,
    bytes: usize,
    /// Requests without a preflight yet, by method and URL, and by URL.
    free_by_method: HashMap<String, BTreeSet<usize>>,
    free_by_url: HashMap<String, BTreeSet<usize>>,
    /// Requests without a preflight yet, by `_requestId` (the last one wins).
    by_id: HashMap<String, usize>,
    /// Requests not yet the target of a redirect, by method and URL.
    targets: HashMap<String, BTreeSet<usize>>,
    stats: PairStats,
}

fn index_remove(map: &mut HashMap<String, BTreeSet<usize>>, key: &str, pos: usize) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&pos);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

/// Up to [`NEIGHBOURS`] positions of `set` on each side of `at`, within
/// [`PAIR_WINDOW`] of it.
fn neighbours(set: &BTreeSet<usize>, at: usize) -> impl Iterator<Item = usize> + '_ {
    let before = set
        .range(at.saturating_sub(PAIR_WINDOW)..at)
        .rev()
        .take(NEIGHBOURS);
    let after = set
        .range(at.saturating_add(1)..=at.saturating_add(PAIR_WINDOW))
        .take(NEIGHBOURS);
    before.chain(after).copied()
}

impl Pairer {
    /// An empty pairer.
    pub fn new() -> Self {
        Pairer::default()
    }

    /// What was cut so far.
    pub fn stats(&self) -> &PairStats {
        &self.stats
    }

    fn slot(&self, pos: usize) -> Option<&Slot> {
        pos.checked_sub(self.base).and_then(|i| self.slots.get(i))
    }

    fn slot_mut(&mut self, pos: usize) -> Option<&mut Slot> {
        pos.checked_sub(self.base)
            .and_then(|i| self.slots.get_mut(i))
    }

    fn end(&self) -> usize {
        self.base + self.slots.len()
    }

    /// Takes the next entry of the file; hands over every exchange that is
    /// complete.
    pub fn push(&mut self, entry: Entry, out: &mut impl FnMut(Group)) {
        let pos = self.end();
        let is_preflight = is_preflight(&entry);
        let url = url_key(&entry.request.url);
        let method_url = method_key(&entry.request.method, &url);
        let bytes = entry_bytes(&entry) + 2 * url.len();
        let request_id = entry.request_id.clone().filter(|_| !is_preflight);
        if !is_preflight {
            self.free_by_method
                .entry(method_url.clone())
                .or_default()
                .insert(pos);
            self.free_by_url.entry(url.clone()).or_default().insert(pos);
            self.targets
                .entry(method_url.clone())
                .or_default()
                .insert(pos);
            if let Some(id) = &request_id {
                self.by_id.insert(id.clone(), pos);
            }
        }
        self.slots.push_back(Slot {
            time: entry.started.as_deref().and_then(parse_time),
            head: entry.index,
            entry: Some(entry),
            preflight: None,
            is_preflight,
            url,
            method_url,
            request_id,
            prev: None,
            next: None,
            depth: 0,
            bytes,
        });
        self.bytes += bytes;
        while self.decided + PAIR_WINDOW < self.end() {
            self.decide(self.decided);
            self.decided += 1;
        }
        self.hand_over(false, out);
        while self.slots.len() > PENDING_ENTRIES || self.bytes > PENDING_BYTES {
            // Over the bound: decide what the oldest exchange can still see,
            // then hand it over as it is.
            let limit = (self.base + PAIR_WINDOW).min(self.end());
            while self.decided < limit {
                self.decide(self.decided);
                self.decided += 1;
            }
            if !self.hand_over_front(true, out) {
                break;
            }
            self.hand_over(false, out);
        }
    }

    /// Hands over everything left at the end of the file.
    pub fn finish(&mut self, out: &mut impl FnMut(Group)) {
        while self.decided < self.end() {
            self.decide(self.decided);
            self.decided += 1;
        }
        self.hand_over(false, out);
    }

    /// Whether nothing can change about the entry at `pos` any more.
    fn settled(&self, pos: usize) -> bool {
        self.decided >= self.end() || self.decided > pos.saturating_add(PAIR_WINDOW)
    }

    fn hand_over(&mut self, force: bool, out: &mut impl FnMut(Group)) {
        while self.hand_over_front(force, out) {}
    }

    /// Hands over (or drops) the oldest slot when it is complete, or when
    /// `force`; returns whether it did.
    fn hand_over_front(&mut self, force: bool, out: &mut impl FnMut(Group)) -> bool {
        let pos = self.base;
        let Some(front) = self.slots.front() else {
            return false;
        };
        if front.entry.is_none() {
            // Moved into its request, or handed over with its chain.
            self.pop_front();
            return true;
        }
        if !force && !self.settled(pos) {
            return false;
        }
        if front.depth > MAX_KEPT_HOPS {
            // A hop past the bound: its chain was handed over without it.
            let cut = 1 + usize::from(front.preflight.is_some());
            let head = front.head;
            self.stats.hops_cut += cut;
            let chains = &mut self.stats.chains_cut;
            match chains.last_mut() {
                Some((h, n)) if *h == head => *n += cut,
                _ => {
                    if chains.len() < MAX_SKIPPED_REASONS {
                        chains.push((head, cut));
                    }
                }
            }
            self.pop_front();
            return true;
        }
        if front.is_preflight {
            // No request took it.
            let entry = self.slot_mut(pos).and_then(|s| s.entry.take());
            if let Some(entry) = entry {
                let i = entry.index;
                out(Group {
                    exchange: Exchange {
                        request: i,
                        preflight: Some(i),
                        lone_preflight: true,
                        ..Exchange::default()
                    },
                    entries: vec![entry],
                });
            }
            self.pop_front();
            return true;
        }
        // A request: the first of its chain (hops of chains handed over are
        // empty by now, so a hop here lost its chain to a forced hand-over
        // and stands on its own).
        let mut chain = Vec::new();
        let mut cursor = front.next;
        while let Some(hop) = cursor {
            if chain.len() == MAX_KEPT_HOPS {
                break;
            }
            if !force && !self.settled(hop) {
                return false;
            }
            let Some(slot) = self.slot(hop).filter(|s| s.entry.is_some()) else {
                break;
            };
            chain.push(hop);
            cursor = slot.next;
        }
        if force {
            self.stats.forced += 1;
        }
        let mut group = Group::default();
        let (first, first_preflight) = self.take(pos);
        if let Some(p) = first_preflight {
            group.exchange.preflight = Some(p.index);
            group.entries.push(p);
        }
        let Some(first) = first else {
            self.pop_front();
            return true;
        };
        group.exchange.request = first.index;
        group.entries.push(first);
        for hop in chain {
            let (entry, preflight) = self.take(hop);
            let Some(entry) = entry else { break };
            group.exchange.redirects.push(entry.index);
            group
                .exchange
                .redirect_preflights
                .push(preflight.as_ref().map(|p| p.index));
            group.entries.push(entry);
            group.entries.extend(preflight);
        }
        self.pop_front();
        out(group);
        true
    }

    /// Takes an entry and its paired preflight out of the window (its slot
    /// stays, empty, until it reaches the front).
    fn take(&mut self, pos: usize) -> (Option<Entry>, Option<Entry>) {
        self.unindex(pos);
        match self.slot_mut(pos) {
            Some(slot) => (slot.entry.take(), slot.preflight.take()),
            None => (None, None),
        }
    }

    fn pop_front(&mut self) {
        let pos = self.base;
        self.unindex(pos);
        if let Some(slot) = self.slots.pop_front() {
            self.bytes = self.bytes.saturating_sub(slot.bytes);
        }
        self.base += 1;
        self.decided = self.decided.max(self.base);
    }

    /// Removes an entry from every index.
    fn unindex(&mut self, pos: usize) {
        let Some(slot) = self.slot(pos) else { return };
        if slot.is_preflight {
            return;
        }
        let (url, method_url, id) = (
            slot.url.clone(),
            slot.method_url.clone(),
            slot.request_id.clone(),
        );
        index_remove(&mut self.free_by_method, &method_url, pos);
        index_remove(&mut self.free_by_url, &url, pos);
        index_remove(&mut self.targets, &method_url, pos);
        if let Some(id) = id {
            if self.by_id.get(&id) == Some(&pos) {
                self.by_id.remove(&id);
            }
        }
    }

    /// Order and distance by time when both entries have one, else by
    /// position.
    fn distance(&self, a: usize, b: usize) -> (u64, usize) {
        let time = |p| self.slot(p).and_then(|s| s.time);
        match (time(a), time(b)) {
            (Some(ta), Some(tb)) => (tb.abs_diff(ta), a.abs_diff(b)),
            _ => (u64::MAX, a.abs_diff(b)),
        }
    }

    fn decide(&mut self, pos: usize) {
        let Some(slot) = self.slot(pos).filter(|s| s.entry.is_some()) else {
            return;
        };
        if slot.is_preflight {
            self.pair_preflight(pos);
        } else {
            self.link_redirect(pos);
        }
    }

    fn pair_preflight(&mut self, p: usize) {
        let Some(slot) = self.slot(p) else { return };
        let Some(entry) = slot.entry.as_ref() else {
            return;
        };
        let tp = slot.time;
        let by_request_id = entry
            .initiator
            .as_ref()
            .and_then(|ini| ini.request_id.as_deref())
            .and_then(|id| self.by_id.get(id).copied());
        let chosen = by_request_id.or_else(|| {
            let acrm = entry
                .request
                .header("access-control-request-method")
                .map(str::trim);
            let mut urls = vec![slot.url.clone()];
            if let Some(u) = entry.initiator.as_ref().and_then(|i| i.url.as_deref()) {
                let u = url_key(u);
                if u != slot.url {
                    urls.push(u);
                }
            }
            let mut best: Option<((u64, usize), usize)> = None;
            for url in &urls {
                let set = match acrm {
                    Some(m) => self.free_by_method.get(&method_key(m, url)),
                    None => self.free_by_url.get(url),
                };
                for r in set.into_iter().flat_map(|s| neighbours(s, p)) {
                    let Some(rs) = self.slot(r) else { continue };
                    let method_ok = rs.entry.as_ref().is_some_and(|e| match acrm {
                        Some(m) => e.request.method == m,
                        None => !e.request.method.eq_ignore_ascii_case("OPTIONS"),
                    });
                    let time_ok = match (tp, rs.time) {
                        (Some(tp), Some(tr)) => tr >= tp.saturating_sub(PREFLIGHT_SKEW_US),
                        _ => r > p,
                    };
                    if method_ok && time_ok {
                        let d = self.distance(p, r);
                        if best.is_none_or(|(bd, br)| (d, r) < (bd, br)) {
                            best = Some((d, r));
                        }
                    }
                }
            }
            best.map(|(_, r)| r)
        });
        let Some(r) = chosen else { return };
        let preflight = self.slot_mut(p).and_then(|s| s.entry.take());
        let Some(request) = self.slot_mut(r) else {
            return;
        };
        request.preflight = preflight;
        let (url, method_url, id) = (
            request.url.clone(),
            request.method_url.clone(),
            request.request_id.clone(),
        );
        index_remove(&mut self.free_by_method, &method_url, r);
        index_remove(&mut self.free_by_url, &url, r);
        if let Some(id) = id {
            if self.by_id.get(&id) == Some(&r) {
                self.by_id.remove(&id);
            }
        }
    }

    fn link_redirect(&mut self, s: usize) {
        let Some(slot) = self.slot(s) else { return };
        let Some(entry) = slot.entry.as_ref() else {
            return;
        };
        let status = entry.response.status;
        if !(300..400).contains(&status) {
            return;
        }
        let Some(target) = entry
            .response
            .redirect_url
            .as_deref()
            .or_else(|| entry.response.header("location"))
            .filter(|t| !t.trim().is_empty())
        else {
            return;
        };
        let target =
            match Url::parse(entry.request.url.trim()).and_then(|base| base.join(target.trim())) {
                Ok(u) => url_key(u.as_str()),
                Err(_) => url_key(target),
            };
        let method = entry.request.method.as_str();
        let mut methods = vec![method];
        if method != "GET" && (status == 303 || (matches!(status, 301 | 302) && method == "POST")) {
            methods.push("GET");
        }
        let ts = slot.time;
        let mut best: Option<((u64, usize), usize)> = None;
        for m in methods {
            let Some(set) = self.targets.get(&method_key(m, &target)) else {
                continue;
            };
            for j in set
                .range(s.saturating_add(1)..=s.saturating_add(PAIR_WINDOW))
                .take(NEIGHBOURS)
                .copied()
            {
                let after = match (ts, self.slot(j).and_then(|t| t.time)) {
                    (Some(ta), Some(tb)) => (tb, j) > (ta, s),
                    _ => true,
                };
                if after {
                    let d = self.distance(s, j);
                    if best.is_none_or(|(bd, bj)| (d, j) < (bd, bj)) {
                        best = Some((d, j));
                    }
                }
            }
        }
        let Some(j) = best.map(|(_, j)| j) else {
            return;
        };
        let (depth, head) = (slot.depth + 1, slot.head);
        if let Some(src) = self.slot_mut(s) {
            src.next = Some(j);
        }
        let Some(hop) = self.slot_mut(j) else { return };
        hop.prev = Some(s);
        hop.depth = depth;
        hop.head = head;
        let method_url = hop.method_url.clone();
        index_remove(&mut self.targets, &method_url, j);
    }
}

/// Groups entries into exchanges, ordered by their first entry: a
/// [`Pairer`] over a slice, with positions in the slice as indices. Hops
/// past [`MAX_KEPT_HOPS`] are in no exchange (see [`PairStats::hops_cut`]).
pub fn pair(entries: &[Entry]) -> Vec<Exchange> {
    pair_counted(entries).0
}

/// [`pair`] and what it cut.
pub fn pair_counted(entries: &[Entry]) -> (Vec<Exchange>, PairStats) {
    let mut pairer = Pairer::new();
    let mut out = Vec::new();
    let mut collect = |g: Group| out.push(g.exchange);
    for (i, e) in entries.iter().enumerate() {
        let mut e = e.clone();
        e.index = i;
        pairer.push(e, &mut collect);
    }
    pairer.finish(&mut collect);
    (out, pairer.stats)
}
