//! The order in which Chromium's renderer (Blink) hands a page's request
//! headers to the network stack.
//!
//! Chrome names, as the failed parameter of a
//! `HeaderDisallowedByPreflightResponse` CORS error, the *first* request
//! header that the preflight's `Access-Control-Allow-Headers` does not allow,
//! in the order of the request's header vector. That vector is built by
//! iterating Blink's `HTTPHeaderMap`, an open-addressing `WTF::HashMap` keyed
//! by a case-folding string hash, so the order looks scrambled. This module
//! models it exactly:
//!
//! * **Hash** ([`case_folding_hash`]): the header name is case-folded
//!   (Latin-1 fold table; ASCII `A`-`Z` to lower case) and widened to UTF-16
//!   code units, and Chromium's rapidhash variant (seed `0xbdd89aa982704029`,
//!   the three standard rapidhash secrets) runs over those `2 * n` bytes. A
//!   one-character name takes the reader's "small" path, which yields just
//!   the folded code unit. The low 24 bits are kept (the top 8 bits of a
//!   `StringImpl` hash hold flags); a zero result becomes `0x800000`.
//! * **Table** (`WTF::HashTable`): capacity 8 on the first insertion;
//!   after an insertion that makes `2 * keys >= capacity` the capacity
//!   doubles and the live entries are re-inserted in slot order (0 upward).
//!   A key's home slot is `hash & (capacity - 1)`; on a collision the probe
//!   steps by 1, 2, 3, ... (triangular probing:
//!   `i = (i + probe_count) & mask`).
//! * **Insertion order**: `fetch()` keeps its headers in a `FetchHeaderList`,
//!   a multimap sorted by ASCII-case-insensitive name, so the map receives
//!   the names in that sorted order whatever order the page gave them.
//!   `XMLHttpRequest`'s `setRequestHeader` calls fill an `HTTPHeaderMap` in
//!   call order, which is then copied, in its own iteration order, into the
//!   request's map. After the page's headers Blink adds its own keys: the
//!   client hints `sec-ch-ua`, `sec-ch-ua-mobile`, `sec-ch-ua-platform` (only
//!   for a potentially trustworthy request URL, see [`BlinkKeys`]), then
//!   `User-Agent`. These are forbidden names, never reported, but they take
//!   slots and count towards the load that triggers expansion. `Accept`,
//!   `Origin`, `Sec-Fetch-*`, `Referer` and the rest are added later,
//!   outside this map.
//! * **Iteration**: slots 0 upward.
//!
//! Checked against Chromium 156 (headless) on well over a thousand random
//! requests (fetch and XHR, 2 to 24 headers, names of 1 to 120 characters
//! in mixed case, with and without credentials, `Content-Type:
//! application/json`, `Authorization` and safelisted headers): the failed
//! parameter and, with everything allowed, the order on the wire all agree.

/// rapidhash's default seed, as Chromium uses it.
const RAPID_SEED: u64 = 0xbdd8_9aa9_8270_4029;
/// rapidhash's standard secrets.
const RAPID_SECRET: [u64; 3] = [
    0x2d35_8dcc_aa6c_78a5,
    0x8bb8_4b93_962e_acc9,
    0x4b33_a62e_d433_d4a3,
];

/// `WTF::HashTraits::kMinimumTableSize`.
const MIN_TABLE_SIZE: usize = 8;
/// `WTF::HashTable::kMaxLoad`: expand once `keys * 2 >= capacity`.
const MAX_LOAD: usize = 2;

fn mul128(a: u64, b: u64) -> (u64, u64) {
    let r = u128::from(a) * u128::from(b);
    (r as u64, (r >> 64) as u64)
}

fn mix(a: u64, b: u64) -> u64 {
    let (lo, hi) = mul128(a, b);
    lo ^ hi
}

fn read64(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

fn read32(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&b[at..at + 4]);
    u64::from(u32::from_le_bytes(w))
}

/// The reader's handling of a 1-3 byte input.
#[derive(Clone, Copy)]
enum Small {
    /// Raw bytes: first byte high, middle byte in the middle, last byte low.
    Plain,
    /// Case-folding UTF-16 reader: only ever two bytes (one code unit),
    /// returned as the code unit itself.
    CodeUnit,
}

/// Chromium's rapidhash over `data` (the reader's output stream).
fn rapidhash(data: &[u8], small: Small) -> u64 {
    let len = data.len();
    let s = RAPID_SECRET;
    let mut seed = RAPID_SEED;
    seed ^= mix(seed ^ s[0], s[1]) ^ len as u64;
    let (mut a, mut b);
    if len <= 16 {
        if len >= 4 {
            let last = len - 4;
            a = (read32(data, 0) << 32) | read32(data, last);
            let delta = (len & 24) >> (len >> 3);
            b = (read32(data, delta) << 32) | read32(data, last - delta);
        } else if len > 0 {
            a = match small {
                Small::Plain => {
                    (u64::from(data[0]) << 56)
                        | (u64::from(data[len >> 1]) << 32)
                        | u64::from(data[len - 1])
                }
                Small::CodeUnit => u64::from(u16::from_le_bytes([data[0], data[1]])),
            };
            b = 0;
        } else {
            a = 0;
            b = 0;
        }
    } else {
        let mut p = 0usize;
        let mut i = len;
        if i > 48 {
            let mut see1 = seed;
            let mut see2 = seed;
            while i >= 48 {
                seed = mix(read64(data, p) ^ s[0], read64(data, p + 8) ^ seed);
                see1 = mix(read64(data, p + 16) ^ s[1], read64(data, p + 24) ^ see1);
                see2 = mix(read64(data, p + 32) ^ s[2], read64(data, p + 40) ^ see2);
                p += 48;
                i -= 48;
            }
            seed ^= see1 ^ see2;
        }
        if i > 16 {
            seed = mix(read64(data, p) ^ s[2], read64(data, p + 8) ^ seed ^ s[1]);
            if i > 32 {
                seed = mix(read64(data, p + 16) ^ s[2], read64(data, p + 24) ^ seed);
            }
        }
        // The last 16 bytes; when i < 16 these reach back before p.
        a = read64(data, p + i - 16);
        b = read64(data, p + i - 8);
    }
    a ^= s[1];
    b ^= seed;
    let (lo, hi) = mul128(a, b);
    mix(lo ^ s[0] ^ len as u64, hi ^ s[1])
}

/// `StringHasher::MaskTop8Bits`: 24 bits, never zero.
fn mask_top8(h: u64) -> u32 {
    let r = (h & 0x00ff_ffff) as u32;
    if r == 0 {
        0x0080_0000
    } else {
        r
    }
}

/// Case-folds one UTF-16 code unit the way `CaseFoldingHashReader` does:
/// Latin-1 through WTF's Latin-1 fold table; beyond Latin-1 an
/// approximation of Unicode simple case folding (header names are tokens,
/// so they never get here).
fn fold_unit(c: u16) -> u16 {
    match c {
        0x41..=0x5a => c + 0x20,
        0xb5 => 0x03bc,
        0xc0..=0xde if c != 0xd7 => c + 0x20,
        0..=0xff => c,
        _ => char::from_u32(u32::from(c))
            .and_then(|ch| {
                let mut l = ch.to_lowercase();
                match (l.next(), l.next()) {
                    (Some(x), None) if (x as u32) <= 0xffff => Some(x as u32 as u16),
                    _ => None,
                }
            })
            .unwrap_or(c),
    }
}

/// `CaseFoldingHash::GetHash`: the 24-bit hash Blink's `HTTPHeaderMap` uses
/// for a header name.
pub fn case_folding_hash(name: &str) -> u32 {
    let mut bytes = Vec::with_capacity(name.len() * 2);
    for u in name.encode_utf16() {
        bytes.extend_from_slice(&fold_unit(u).to_le_bytes());
    }
    mask_top8(rapidhash(&bytes, Small::CodeUnit))
}

/// `StringHasher::ComputeHashAndMaskTop8Bits` on raw bytes (no case
/// folding), exposed for checking the rapidhash core.
pub fn plain_hash_24(bytes: &[u8]) -> u32 {
    mask_top8(rapidhash(bytes, Small::Plain))
}

/// A model of one `WTF::HashTable` of case-insensitive names; holds indices.
struct Table {
    slots: Vec<Option<usize>>,
    hashes: Vec<u32>,
    keys: usize,
}

impl Table {
    fn new(hashes: Vec<u32>) -> Self {
        Table {
            slots: Vec::new(),
            hashes,
            keys: 0,
        }
    }

    fn place(slots: &mut [Option<usize>], hash: u32, item: usize) {
        let mask = slots.len() - 1;
        let mut i = hash as usize & mask;
        let mut probe = 0usize;
        while slots[i].is_some() {
            probe += 1;
            i = (i + probe) & mask;
        }
        slots[i] = Some(item);
    }

    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        for item in old.into_iter().flatten() {
            Self::place(&mut self.slots, self.hashes[item], item);
        }
    }

    /// Inserts `item` (an index into `hashes`); keys must be distinct.
    fn insert(&mut self, item: usize) {
        if self.slots.is_empty() {
            self.rehash(MIN_TABLE_SIZE);
        }
        Self::place(&mut self.slots, self.hashes[item], item);
        self.keys += 1;
        if self.keys * MAX_LOAD >= self.slots.len() {
            let size = self.slots.len() * 2;
            self.rehash(size);
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.slots.iter().flatten().copied()
    }
}

/// Which page API made the request; they fill the map in different orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Initiator {
    /// `fetch()`: the headers sit in a `FetchHeaderList`, a multimap sorted
    /// by ASCII-case-insensitive name, and enter the map in that order.
    Fetch,
    /// `XMLHttpRequest`: `setRequestHeader` calls fill the XHR's own
    /// `HTTPHeaderMap` in call order; the request's map is then filled by
    /// iterating that one.
    Xhr,
}

/// The keys Blink adds to the request's map itself, after the page's
/// headers, before the map becomes the network request's header vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlinkKeys {
    /// The low-entropy User-Agent client hints `sec-ch-ua`,
    /// `sec-ch-ua-mobile`, `sec-ch-ua-platform`, which Blink adds (in that
    /// order) when the request URL is potentially trustworthy (`https:`,
    /// `http://localhost`, `http://127.0.0.1`). Observed: a page on
    /// `http://app.example.test` fetching `http://127.0.0.1` sends them; a
    /// page on `http://localhost` fetching `http://api.example.test` does
    /// not. (`https:` follows from Chromium's rule but could not be checked
    /// with the plain-`http:` harness.) `false` for plain `http:` between
    /// ordinary hosts.
    pub client_hints: bool,
}

/// Client hints, in the order Blink sets them.
const CLIENT_HINTS: [&str; 3] = ["sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform"];

/// `FrameFetchContext::PrepareRequest` sets `User-Agent`, after the client
/// hints. (Chrome drops a `User-Agent` the page sets, so the page never
/// places that key itself.)
const USER_AGENT: &str = "User-Agent";

/// Whether Blink, not the page, decides where this key goes.
fn is_blink_key(name: &str) -> bool {
    name.eq_ignore_ascii_case(USER_AGENT)
        || CLIENT_HINTS.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// Case-insensitively distinct names, in the order given, Blink's own keys
/// left out; later duplicates are dropped (Blink combines their values into
/// the first key).
fn page_positions(names: &[&str]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    // Seen names, hashed past a few: a scan per name is quadratic.
    let mut seen: Option<std::collections::HashSet<String>> = None;
    for (i, n) in names.iter().enumerate() {
        if is_blink_key(n) {
            continue;
        }
        let new = match &mut seen {
            Some(set) => set.insert(n.to_ascii_lowercase()),
            None => !out.iter().any(|&j| names[j].eq_ignore_ascii_case(n)),
        };
        if new {
            out.push(i);
            if seen.is_none() && out.len() > crate::names::FEW {
                seen = Some(out.iter().map(|&j| names[j].to_ascii_lowercase()).collect());
            }
        }
    }
    out
}

/// Fills a map with `order` (indices into `hashes`), in that order.
/// Returns the indices in slot order.
fn fill(hashes: &[u32], order: &[usize]) -> Vec<usize> {
    let mut t = Table::new(hashes.to_vec());
    for &i in order {
        t.insert(i);
    }
    t.iter().collect()
}

/// The order in which the page's keys enter the request's map.
fn page_order(names: &[&str], initiator: Initiator) -> Vec<usize> {
    let mut order = page_positions(names);
    match initiator {
        Initiator::Fetch => order.sort_by(|&a, &b| {
            let la = names[a].bytes().map(|c| c.to_ascii_lowercase());
            la.cmp(names[b].bytes().map(|c| c.to_ascii_lowercase()))
        }),
        Initiator::Xhr => {
            let hashes: Vec<u32> = names.iter().map(|n| case_folding_hash(n)).collect();
            order = fill(&hashes, &order);
        }
    }
    order
}

/// The request's map in iteration order, as names; Blink's own keys are
/// included, spelled as `names` spells them if it has them.
fn request_map<'a>(
    names: &[&'a str],
    initiator: Initiator,
    blink: BlinkKeys,
) -> Vec<(Option<usize>, &'a str)> {
    let mut keys: Vec<(Option<usize>, &'a str)> = names
        .iter()
        .enumerate()
        .map(|(i, &n)| (Some(i), n))
        .collect();
    let mut order = page_order(names, initiator);
    let hints: &[&'static str] = if blink.client_hints {
        &CLIENT_HINTS
    } else {
        &[]
    };
    for &k in hints.iter().chain([USER_AGENT].iter()) {
        match names.iter().position(|n| n.eq_ignore_ascii_case(k)) {
            Some(i) if !order.contains(&i) => order.push(i),
            Some(_) => {}
            None => {
                order.push(keys.len());
                keys.push((None, k));
            }
        }
    }
    let hashes: Vec<u32> = keys.iter().map(|(_, n)| case_folding_hash(n)).collect();
    fill(&hashes, &order).into_iter().map(|i| keys[i]).collect()
}

/// Given distinct header names (any case; for XHR in the order of the
/// `setRequestHeader` calls, for `fetch()` in any order), returns their
/// indices in the order Blink's `HTTPHeaderMap` iterates them, which is the
/// order of the network request's header vector.
///
/// Pass the names that reach the map, i.e. without forbidden request
/// headers, which Chrome drops; a `User-Agent` (or client hint) name is
/// accepted and put where Blink's own key of that name goes.
/// Case-insensitive repeats of an earlier name are left out (Chrome
/// combines their values into one header).
pub fn request_order(names: &[&str], initiator: Initiator, blink: BlinkKeys) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (i, _) in request_map(names, initiator, blink) {
        if let Some(i) = i {
            if !blink.client_hints
                && CLIENT_HINTS
                    .iter()
                    .any(|h| names[i].eq_ignore_ascii_case(h))
            {
                continue;
            }
            out.push(i);
        }
    }
    out
}

/// [`request_order`] for `fetch()` from a page where Blink adds only
/// `User-Agent` (plain `http:`): the indices of `names` in Blink's
/// iteration order. The result does not depend on the order of `names`.
pub fn iteration_order(names: &[&str]) -> Vec<usize> {
    request_order(names, Initiator::Fetch, BlinkKeys::default())
}

/// [`request_order`] for `XMLHttpRequest` (names in `setRequestHeader`
/// order) where Blink adds only `User-Agent`. This can differ from
/// [`iteration_order`] for the same names: keys whose probe sequences
/// collide land differently when inserted in another order.
pub fn xhr_iteration_order(names: &[&str]) -> Vec<usize> {
    request_order(names, Initiator::Xhr, BlinkKeys::default())
}

/// The name Chrome reports as the failed parameter of a
/// `HeaderDisallowedByPreflightResponse` error: the first name, in Blink's
/// iteration order, for which `disallowed` holds (`disallowed` should hold
/// for CORS-unsafe names the preflight's `Access-Control-Allow-Headers`
/// does not allow).
pub fn first_reported<'a>(
    names: &[&'a str],
    initiator: Initiator,
    blink: BlinkKeys,
    disallowed: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    request_order(names, initiator, blink)
        .into_iter()
        .map(|i| names[i])
        .find(|n| disallowed(n))
}

/// The request's map in iteration order, by name, Blink's own keys
/// included: the order of these headers on the wire.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn map_names(names: &[&str], initiator: Initiator, blink: BlinkKeys) -> Vec<String> {
    request_map(names, initiator, blink)
        .into_iter()
        .map(|(_, n)| n.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HINTS: BlinkKeys = BlinkKeys { client_hints: true };

    fn first_fetch(names: &[&str]) -> String {
        names[iteration_order(names)[0]].to_ascii_lowercase()
    }

    fn reported(
        initiator: Initiator,
        blink: BlinkKeys,
        names: &[&str],
        disallowed: &[&str],
    ) -> String {
        first_reported(names, initiator, blink, |n| {
            disallowed.iter().any(|d| d.eq_ignore_ascii_case(n))
        })
        .expect("some name is disallowed")
        .to_ascii_lowercase()
    }

    #[test]
    fn rapidhash_core_matches_chromium_fixture() {
        // string_hasher_test.cc: rapidhash of {0x41, 0x95, 0xFF, 0x50, 0x01}.
        let b = [0x41u8, 0x95, 0xff, 0x50, 0x01];
        assert_eq!(rapidhash(&b, Small::Plain), 0xe942_2771_e0a5_dde6);
        assert_eq!(plain_hash_24(&b), 0x00a5_dde6);
    }

    #[test]
    fn case_folding_hash_values() {
        // These values place the keys in the slots Chromium 156 iterates
        // them in (see the recorded observations in testdata/): in a 16-slot table X-A
        // goes to 13, X-B to 15, X-C to 5, User-Agent to 8.
        assert_eq!(case_folding_hash("X-A"), 0x3c_604d);
        assert_eq!(case_folding_hash("X-B"), 0x43_065f);
        assert_eq!(case_folding_hash("X-C"), 0x59_1ba5);
        assert_eq!(case_folding_hash("User-Agent"), 0xc2_1178);
        assert_eq!(case_folding_hash("Content-Type"), 0x7c_d99b);
    }

    #[test]
    fn hash_folds_case_and_covers_every_length_path() {
        assert_eq!(
            case_folding_hash("X-Api-Key"),
            case_folding_hash("x-api-key")
        );
        assert_eq!(
            case_folding_hash("CONTENT-TYPE"),
            case_folding_hash("content-type")
        );
        // Latin-1 letters fold too (0xC0-0xDE except 0xD7).
        assert_eq!(
            case_folding_hash("\u{c9}t\u{c9}"),
            case_folding_hash("\u{e9}t\u{e9}")
        );
        assert_ne!(case_folding_hash("\u{d7}"), case_folding_hash("\u{f7}"));
        let long = "Abcdefghijklmnopqrstuvwxyz-0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";
        for n in 0..=long.len() {
            let s = &long[..n];
            let h = case_folding_hash(s);
            assert!(h != 0 && h < 1 << 24, "{s}");
            assert_eq!(h, case_folding_hash(&s.to_ascii_lowercase()), "{s}");
        }
    }

    /// What Chromium 156 did, one JSON object a line: the page's header
    /// `names`, the `initiator` (`fetch` or `xhr`, names in
    /// `setRequestHeader` order), whether Blink added the `sec-ch-ua*`
    /// `client_hints`; then either the header Chrome `reported` as the failed
    /// parameter (the first of `disallowed`, or of all the names when the
    /// field is absent: a preflight without Access-Control-Allow-Headers), or
    /// the `wire` order of the actual request with everything allowed.
    /// Requests from http://app.example.test:8001 to
    /// http://api.example.test:8002 (some with credentials); the
    /// `client-hints` table to http://127.0.0.1:8002 (potentially
    /// trustworthy).
    const OBSERVED: &str = include_str!("../testdata/blink_order_chromium156.jsonl");

    /// One recorded request.
    struct Observed {
        initiator: Initiator,
        blink: BlinkKeys,
        names: Vec<String>,
        disallowed: Option<Vec<String>>,
        reported: Option<String>,
        wire: Option<Vec<String>>,
    }

    impl Observed {
        fn names(&self) -> Vec<&str> {
            self.names.iter().map(String::as_str).collect()
        }
    }

    fn strings(v: &serde_json::Value) -> Option<Vec<String>> {
        v.as_array()?
            .iter()
            .map(|s| s.as_str().map(str::to_owned))
            .collect()
    }

    /// The observations of one table, in the file's order.
    fn observed(table: &str) -> Vec<Observed> {
        OBSERVED
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
            .filter(|v| v["table"] == table)
            .map(|v| Observed {
                initiator: match v["initiator"].as_str() {
                    Some("xhr") => Initiator::Xhr,
                    Some("fetch") => Initiator::Fetch,
                    other => panic!("initiator {other:?}"),
                },
                blink: BlinkKeys {
                    client_hints: v["client_hints"].as_bool().expect("client_hints"),
                },
                names: strings(&v["names"]).expect("names"),
                disallowed: strings(&v["disallowed"]),
                reported: v["reported"].as_str().map(str::to_owned),
                wire: strings(&v["wire"]),
            })
            .collect()
    }

    /// Checks a table of failed parameters: the header Chrome reported.
    fn check_reported(table: &str, count: usize) {
        let cases = observed(table);
        assert_eq!(cases.len(), count, "{table}: recorded cases");
        for case in &cases {
            let names = case.names();
            let want = case.reported.as_deref().expect("reported");
            let got = match &case.disallowed {
                // Nothing allowed: the first name the map iterates.
                None => first_fetch(&names),
                Some(disallowed) => {
                    let disallowed: Vec<&str> = disallowed.iter().map(String::as_str).collect();
                    reported(case.initiator, case.blink, &names, &disallowed)
                }
            };
            assert_eq!(got, want, "{table}: {names:?}");
        }
    }

    #[test]
    fn observed_in_the_brief() {
        check_reported("brief", 8);
    }

    /// `fetch()` GET, preflight without Access-Control-Allow-Headers.
    #[test]
    fn observed_fetch_none_allowed() {
        assert!(observed("fetch-none-allowed").len() >= 36);
        check_reported("fetch-none-allowed", 36);
    }

    /// As above, with the names not in `disallowed` allowed.
    #[test]
    fn observed_fetch_some_allowed() {
        check_reported("fetch-some-allowed", 12);
    }

    /// `XMLHttpRequest`, names in `setRequestHeader` order.
    #[test]
    fn observed_xhr() {
        check_reported("xhr", 12);
    }

    /// Requests to a potentially trustworthy URL, where Blink also adds the
    /// three `sec-ch-ua*` client hints to the map.
    #[test]
    fn observed_with_client_hints() {
        check_reported("client-hints", 12);
    }

    /// Everything allowed: the order of the page's headers, `User-Agent`
    /// and the client hints on the wire of the actual request.
    #[test]
    fn observed_wire_order() {
        let cases = observed("wire");
        assert_eq!(cases.len(), 10, "wire: recorded cases");
        for case in &cases {
            let names = case.names();
            let got = map_names(&names, case.initiator, case.blink);
            assert_eq!(Some(got), case.wire, "{names:?}");
        }
    }

    #[test]
    fn fetch_order_ignores_page_order_xhr_does_not() {
        let names = ["X-A", "X-B", "X-C", "Foo", "Bar", "Baz", "Qux", "a", "b"];
        let by_name =
            |o: Vec<usize>, n: &[&str]| o.into_iter().map(|i| n[i].to_string()).collect::<Vec<_>>();
        let mut rev = names;
        rev.reverse();
        assert_eq!(
            by_name(iteration_order(&names), &names),
            by_name(iteration_order(&rev), &rev)
        );
        // Page order matters for XHR when keys collide: X-A and X-C share
        // home slot 5 of 8, and whichever comes first keeps it (observed).
        let n2 = ["X-A", "X-C"];
        let r2 = ["X-C", "X-A"];
        assert_eq!(by_name(xhr_iteration_order(&n2), &n2), ["X-A", "X-C"]);
        assert_eq!(by_name(xhr_iteration_order(&r2), &r2), ["X-C", "X-A"]);
        assert_eq!(by_name(iteration_order(&r2), &r2), ["X-A", "X-C"]);
    }

    #[test]
    fn order_is_a_permutation_without_repeats() {
        let names = [
            "b",
            "A",
            "c",
            "x-long-header-name-over-forty-eight-bytes-long-yes-indeed",
            "B",
            "user-agent",
        ];
        let mut o = iteration_order(&names);
        o.sort_unstable();
        assert_eq!(o, vec![0, 1, 2, 3, 5]);
        let mut o = request_order(&names, Initiator::Xhr, HINTS);
        o.sort_unstable();
        assert_eq!(o, vec![0, 1, 2, 3, 5]);
        assert!(iteration_order(&[]).is_empty());
    }
}
