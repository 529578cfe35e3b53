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

    const PLAIN: BlinkKeys = BlinkKeys {
        client_hints: false,
    };
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
        // them in (see the observed tables below): in a 16-slot table X-A
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

    #[test]
    fn observed_in_the_brief() {
        let cases: &[(&[&str], &str)] = &[
            (&["X-A", "X-B"], "x-a"),
            (&["X-A", "X-B", "X-C"], "x-c"),
            (&["Authorization", "X-Api-Key"], "authorization"),
            (&["Authorization", "Content-Type"], "content-type"),
            (&["Foo", "Bar", "Baz", "Qux"], "baz"),
            (&["X-Zeta", "X-Alpha", "X-Mid"], "x-zeta"),
            (&["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"], "j"),
            (&["Authorization", "X-Custom"], "x-custom"),
        ];
        for (names, want) in cases {
            assert_eq!(first_fetch(names), *want, "{names:?}");
        }
    }

    /// Chromium 156, `fetch()` GET from http://app.example.test:8001 to
    /// http://api.example.test:8002, preflight without
    /// Access-Control-Allow-Headers (some cases with credentials).
    #[test]
    fn observed_fetch_none_allowed() {
        let cases: &[(&[&str], &str)] = &[
            (
                &[
                    "Vvrj25vy4",
                    "MS-TENANT-APP-AMZ",
                    "version-session-user",
                    "x-x-client",
                    "x-token-goog-token",
                    "CORRELATION-API",
                    "TENANT",
                    "Authorization",
                ],
                "authorization",
            ),
            (
                &[
                    "X-User-Correlation-Id-Id",
                    "X-Auth-Csrf-Custom",
                    "M4-JQOPY-X",
                    "Authorization",
                ],
                "x-user-correlation-id-id",
            ),
            (
                &[
                    "klhbqyglo8fwbr1noy6t1vlr",
                    "dhfq8uvw",
                    "X-Custom-X",
                    "z-4kks8r_k",
                ],
                "klhbqyglo8fwbr1noy6t1vlr",
            ),
            (
                &[
                    "Authorization",
                    "Content-Type",
                    "X-User-bAr-traCe-kEy",
                    "S-D",
                ],
                "s-d",
            ),
            (
                &["X-Token-Token-Correlation-Correlation", "X-Bar-Correlation"],
                "x-token-token-correlation-correlation",
            ),
            (
                &[
                    "x",
                    "Authorization",
                    "Content-Type",
                    "X-FOO-CORRELATION-KEY-ID",
                ],
                "x-foo-correlation-key-id",
            ),
            (
                &[
                    "token",
                    "BAR-MS-VERSION-TENANT",
                    "X-User-Correlation-Bar",
                    "x-veRsION-CorrElatiOn",
                    "Z1671-Rt",
                    "ZC_ddVjt0ebP",
                ],
                "x-version-correlation",
            ),
            (
                &[
                    "S",
                    "x-cUstoM",
                    "Content-Type",
                    "ID-CUSTOM",
                    "H3_Ochev8d",
                    "X-Api-Token-App-Tenant",
                    "X-SEssioN-BaR-CorRELATiON-aPI",
                ],
                "x-custom",
            ),
            (
                &[
                    "Content-Type",
                    "Api-Request-Request",
                    "X-DEBUG-CSRF-CUSTOM-AMZ",
                    "RN1766",
                    "CUSTOM",
                    "Kl08pmeofq0o",
                ],
                "kl08pmeofq0o",
            ),
            (
                &[
                    "X-Key-Tenant-Debug-Foo",
                    "x-token-tenant-csrf",
                    "YZB_Z1M_D3GRV_W9U9JA",
                    "Content-Type",
                ],
                "x-token-tenant-csrf",
            ),
            (
                &[
                    "X-X",
                    "APP-CLIENT",
                    "Csrf",
                    "x-goog-tenant",
                    "x-id-correlation-version",
                ],
                "x-id-correlation-version",
            ),
            (
                &["bpr6t_39s1-fszt-vzv3t02gl", "g", "x-debug", "token"],
                "x-debug",
            ),
            (
                &[
                    "Trace",
                    "qA",
                    "G931rqx",
                    "FDtAa",
                    "ebi11ld0",
                    "x-trace-amz-goog",
                    "ms",
                    "X-CORRELATION-TENANT-CUSTOM",
                    "x-app-key",
                ],
                "fdtaa",
            ),
            (
                &["Auth", "x-tenant-trace-csrf", "token-foo-csrf-request"],
                "x-tenant-trace-csrf",
            ),
            (
                &[
                    "x-auth-app",
                    "x-correlation",
                    "dEbUg-FoO-X",
                    "v-cw",
                    "x-version",
                    "c",
                    "x-token-ms",
                    "BAR",
                    "X-AMZ-CLIENT",
                ],
                "x-version",
            ),
            (
                &[
                    "cLienT-Amz-tEnaNt-CORRElatION",
                    "Content-Type",
                    "x-auth-trace-custom-x",
                    "X-DeBuG-MS",
                    "x-TraCe-COrrELatIon-ms",
                ],
                "client-amz-tenant-correlation",
            ),
            (
                &[
                    "X-API",
                    "G6O",
                    "X-usER-api-SESSioN-ClIeNT",
                    "Version-Id",
                    "X-REQUEST",
                    "Id-Auth-App-Session",
                ],
                "x-user-api-session-client",
            ),
            (
                &[
                    "X-Custom-App",
                    "X-Correlation",
                    "J5a54_2g4",
                    "aPP-cUstoM-TokeN",
                    "X-Debug-Foo",
                ],
                "x-debug-foo",
            ),
            (
                &[
                    "X-Tenant-Custom",
                    "Content-Type",
                    "vErSiOn-API-CLieNt",
                    "Amz-Csrf-Forwarded",
                    "x-api",
                    "W",
                ],
                "x-tenant-custom",
            ),
            (
                &[
                    "TOKEN-REQUEST-TENANT-KEY",
                    "x-x-sesSiOn",
                    "X-FOO",
                    "lwjf",
                    "E-",
                    "SKCYWFT53",
                    "x-request",
                ],
                "skcywft53",
            ),
            (
                &["bar-forwarded-api", "Authorization", "q6mgu4irmb0zrz6p"],
                "authorization",
            ),
            (
                &[
                    "ID-FOO-FOO",
                    "l7r",
                    "key-forwarded-tenant-x",
                    "X-Correlation-Api-Amz-Custom",
                    "Bar-App",
                    "FIGjO7V1cau-SVl_",
                    "mS",
                ],
                "ms",
            ),
            (
                &[
                    "x-bar-client-id-goog",
                    "X-TenANT",
                    "A3tthjzvtarr",
                    "NP6O_CG",
                ],
                "x-bar-client-id-goog",
            ),
            (
                &["key-auth-bar", "X-Id-Debug-Token-X", "g4q", "Content-Type"],
                "x-id-debug-token-x",
            ),
            (&["GOOG-TRACE", "KEY", "X-Csrf-Foo"], "key"),
            (
                &["x-APi-TOKEn-teNaNT-CoRRelatiON", "hg3", "UYVZ76", "auth"],
                "hg3",
            ),
            (
                &[
                    "x-user-tenant-foo",
                    "X-Key-User-Tenant-Api",
                    "x-version-bar",
                ],
                "x-key-user-tenant-api",
            ),
            (
                &["x-User", "d57d'y2-", "Content-Type", "CliEnt-keY-cSRF"],
                "d57d'y2-",
            ),
            (
                &[
                    "R8D3PH_078FDJG4Q2JYP35FNL64M8J0KU",
                    "bxa",
                    "Authorization",
                    "uroufouuh0120w9azz95",
                    "X-Session",
                    "CLIENT-X",
                    "X-API-ID-FOO",
                ],
                "r8d3ph_078fdjg4q2jyp35fnl64m8j0ku",
            ),
            (
                &[
                    "TENaNt-foO",
                    "CsRf",
                    "on3f5hbnjvg9495c0h-2m3i0bg27qa54qww774my",
                    "KEY",
                ],
                "key",
            ),
            (
                &[
                    "X-USER",
                    "P4jg6uE6LLjj",
                    "x-trace-version",
                    "Client-Key",
                    "X-Forwarded-Tenant-Forwarded",
                    "SessIoN-X-GOOg",
                ],
                "client-key",
            ),
            (
                &[
                    "X-DEBUG-FORWARDED",
                    "forwarded-id-token",
                    "TOKEN",
                    "x-ClIENT-REqueST-kEy",
                    "x-ms",
                    "X-BAR-TENANT-SESSION-USER",
                    "Dkstqbqmjf",
                ],
                "x-bar-tenant-session-user",
            ),
            (
                &["goog", "x-custom-user", "x-goog-user-trace-auth"],
                "x-goog-user-trace-auth",
            ),
            (&["DeBUG-mS-veRSioN-MS", "ID"], "debug-ms-version-ms"),
            (
                &[
                    "forwarded-correlation-token",
                    "Authorization",
                    "P|AB*FON4VN$XKU#`MKK",
                ],
                "p|ab*fon4vn$xku#`mkk",
            ),
            (
                &[
                    "U9fi2_4vh",
                    "GOOG-DebuG-foRWardeD-Ms",
                    "x-api-api-request",
                    "ctjj",
                    "kRpjfh",
                    "version-user-custom",
                    "TEZNO12ETGTB3Y9R",
                ],
                "goog-debug-forwarded-ms",
            ),
        ];
        assert!(cases.len() >= 36);
        for (names, want) in cases {
            assert_eq!(first_fetch(names), *want, "{names:?}");
        }
    }

    /// As above, with the names not in the middle list allowed.
    #[test]
    fn observed_fetch_some_allowed() {
        let cases: &[(&[&str], &[&str], &str)] = &[
            (
                &[
                    "ftqNc_K1Z6X8",
                    "Content-Type",
                    "Qx69l207x_wx2kz37p5r566w33w-93",
                ],
                &["Content-Type"],
                "content-type",
            ),
            (
                &["x-token-user", "zibdzftz8st6xepdaqe-rx26", "Content-Type"],
                &["zibdzftz8st6xepdaqe-rx26"],
                "zibdzftz8st6xepdaqe-rx26",
            ),
            (
                &[
                    "x-forwarded-correlation-token",
                    "Content-Type",
                    "X-USER-TENANT-CLIENT-X",
                    "X-Csrf-Tenant-Key-Goog",
                    "X-CORRELATION-APP-GOOG",
                ],
                &["x-forwarded-correlation-token", "X-CORRELATION-APP-GOOG"],
                "x-correlation-app-goog",
            ),
            (
                &["X-CUSTOM-AUTH", "x-bar-tOKEN", "debug"],
                &["debug"],
                "debug",
            ),
            (
                &["foo", "AutH", "Content-Type", "Oi4l1xtb", "s4aT"],
                &["foo"],
                "foo",
            ),
            (
                &["TDLBOSML20Y53SC3CLS2J9D9L", "C51327-0qh3f"],
                &["TDLBOSML20Y53SC3CLS2J9D9L"],
                "tdlbosml20y53sc3cls2j9d9l",
            ),
            (
                &[
                    "BAR-TRACE-API-KEY",
                    "Accept",
                    "ID-TENANT-APP-FOO",
                    "X-TENANT",
                    "Request",
                    "X-Token",
                ],
                &["Request", "X-Token"],
                "x-token",
            ),
            (
                &["Kq5sc1fnb-Uzspt1", "X-Ms-User-Client"],
                &["Kq5sc1fnb-Uzspt1"],
                "kq5sc1fnb-uzspt1",
            ),
            (
                &["x-GOog-ForWaRDed", "LnzMkcwo8M_N5197", "CORRELATION-ID"],
                &["x-GOog-ForWaRDed"],
                "x-goog-forwarded",
            ),
            (
                &[
                    "x-aPi-vERSION-GOOG",
                    "ss18k-6m0i6sh4ym",
                    "Content-Type",
                    "x-tokeN",
                    "Authorization",
                    "ms-session-token-auth",
                ],
                &["Content-Type"],
                "content-type",
            ),
            (
                &[
                    "DEBuG",
                    "key-session-forwarded-amz",
                    "X-GOOg-AMz-foRWaRDED-deBuG",
                    "y428dr6l23",
                    "CSRF-MS-CUSTOM",
                ],
                &["X-GOOg-AMz-foRWaRDED-deBuG"],
                "x-goog-amz-forwarded-debug",
            ),
            (
                &[
                    "token",
                    "pu5ew6-1w",
                    "X-Token-Key-App-Id",
                    "REQUEST-MS-CUSTOM-KEY",
                    "VERSION-GOOG",
                    "eibk2",
                ],
                &["pu5ew6-1w", "X-Token-Key-App-Id"],
                "pu5ew6-1w",
            ),
        ];
        for (names, disallowed, want) in cases {
            assert_eq!(
                reported(Initiator::Fetch, PLAIN, names, disallowed),
                *want,
                "{names:?}"
            );
        }
    }

    /// `XMLHttpRequest`, names in `setRequestHeader` order.
    #[test]
    fn observed_xhr() {
        let cases: &[(&[&str], &[&str], &str)] = &[
            (
                &["Rhys1dov0_-5n_6f", "REquEsT-Csrf"],
                &["Rhys1dov0_-5n_6f", "REquEsT-Csrf"],
                "rhys1dov0_-5n_6f",
            ),
            (
                &[
                    "r5670bw1umfs-4ofrob-fuz3g",
                    "TRACE-KEY-CLIENT-KEY",
                    "X-App-bAR",
                    "token-csrf",
                ],
                &[
                    "r5670bw1umfs-4ofrob-fuz3g",
                    "TRACE-KEY-CLIENT-KEY",
                    "X-App-bAR",
                    "token-csrf",
                ],
                "r5670bw1umfs-4ofrob-fuz3g",
            ),
            (
                &[
                    "X-Api-Debug",
                    "x-API-x-seSsion",
                    "X-Bar-ms-ms-api",
                    "Token",
                    "Auth-Correlation-Id",
                ],
                &[
                    "X-Api-Debug",
                    "x-API-x-seSsion",
                    "X-Bar-ms-ms-api",
                    "Token",
                    "Auth-Correlation-Id",
                ],
                "x-api-x-session",
            ),
            (
                &[
                    "BAR",
                    "jSxp5lydK-6_l-3570IE819jK_Q-WW",
                    "x-debug-debug-key",
                    "x-baR",
                    "Content-Type",
                ],
                &[
                    "BAR",
                    "jSxp5lydK-6_l-3570IE819jK_Q-WW",
                    "x-debug-debug-key",
                    "x-baR",
                    "Content-Type",
                ],
                "jsxp5lydk-6_l-3570ie819jk_q-ww",
            ),
            (
                &[
                    "Iseuu",
                    "YFT6E65W353DBBY5ZP659_HFST1RJ80Z5FNN1H75",
                    "MS-AMz-CorRELATiON",
                    "X-SeSsioN-GoOg-bar",
                    "csrf",
                    "PotzsOC",
                ],
                &[
                    "Iseuu",
                    "YFT6E65W353DBBY5ZP659_HFST1RJ80Z5FNN1H75",
                    "MS-AMz-CorRELATiON",
                    "X-SeSsioN-GoOg-bar",
                    "csrf",
                    "PotzsOC",
                ],
                "potzsoc",
            ),
            (
                &["CORRELATION-TRACE-CSRF-AUTH", "Api"],
                &["CORRELATION-TRACE-CSRF-AUTH", "Api"],
                "api",
            ),
            (
                &[
                    "DCLPZWE",
                    "Request",
                    "x-token-correlation-key-user",
                    "hFIwnuF1bi",
                    "x-id-id-token",
                    "S_u1zjikx93k6fuf3t9iq2kl7dt6od5td",
                    "X-key",
                ],
                &[
                    "DCLPZWE",
                    "Request",
                    "x-token-correlation-key-user",
                    "hFIwnuF1bi",
                    "x-id-id-token",
                    "S_u1zjikx93k6fuf3t9iq2kl7dt6od5td",
                    "X-key",
                ],
                "dclpzwe",
            ),
            (
                &[
                    "FOO-AUTH-SESSION-APP",
                    "x-x-goog",
                    "n",
                    "AMz-CLieNT",
                    "X-Api-Key",
                    "Lexn-8xh",
                ],
                &["x-x-goog", "Lexn-8xh"],
                "x-x-goog",
            ),
            (
                &["DEBUG-CUSTOM-CORRELATION-GOOG", "X-cusToM"],
                &["DEBUG-CUSTOM-CORRELATION-GOOG", "X-cusToM"],
                "x-custom",
            ),
            (
                &[
                    "deBUG-aPP-x-cSrF",
                    "X-AMZ-BAR-VERSION-FORWARDED",
                    "debug-trace-app",
                    "Authorization",
                    "trace",
                ],
                &["trace"],
                "trace",
            ),
            (
                &["X-Debug-Amz", "K", "Authorization", "Trace-Csrf-Goog"],
                &["X-Debug-Amz", "K", "Authorization", "Trace-Csrf-Goog"],
                "x-debug-amz",
            ),
            (&["auth-goog-goog", "Client-Version", "X3"], &["X3"], "x3"),
        ];
        for (names, disallowed, want) in cases {
            assert_eq!(
                reported(Initiator::Xhr, PLAIN, names, disallowed),
                *want,
                "{names:?}"
            );
        }
    }

    /// Requests to http://127.0.0.1:8002 (potentially trustworthy), where
    /// Blink also adds the three `sec-ch-ua*` client hints to the map.
    #[test]
    fn observed_with_client_hints() {
        let cases: &[(Initiator, &[&str], &[&str], &str)] = &[
            (
                Initiator::Fetch,
                &["zr#eke$0|", "DEbuG-ReqUEst-dEBug-sesSioN", "Vkhfvj"],
                &["DEbuG-ReqUEst-dEBug-sesSioN"],
                "debug-request-debug-session",
            ),
            (
                Initiator::Fetch,
                &[
                    "Amz-Tenant",
                    "O",
                    "B78tptavep",
                    "x-BAR-CUstoM",
                    "X-Key",
                    "Version-Client",
                    "Accept-Language",
                    "SESSION-SESSION-VERSION",
                    "Content-Type",
                    "Accept",
                ],
                &["Amz-Tenant", "B78tptavep", "SESSION-SESSION-VERSION"],
                "b78tptavep",
            ),
            (
                Initiator::Fetch,
                &[
                    "Ka",
                    "X-Id",
                    "X-Request-X-Token",
                    "Forwarded-User",
                    "debug-forwarded",
                    "I",
                    "Accept-Language",
                    "Authorization",
                ],
                &["X-Id", "I"],
                "x-id",
            ),
            (
                Initiator::Fetch,
                &[
                    "X-auth",
                    "Cy",
                    "X-Amz-X-Correlation-Tenant",
                    "M*T2H.R32",
                    "x-debug-x-session",
                    "x-id",
                    "Accept-Language",
                    "FORWARDED-CSRF-FOO",
                ],
                &["FORWARDED-CSRF-FOO"],
                "forwarded-csrf-foo",
            ),
            (
                Initiator::Fetch,
                &[
                    "Accept",
                    "Content-Type",
                    "User-Bar-Ms",
                    "Debug-Auth-Request-Ms",
                    "AUTH",
                    "Jy&o1gw",
                ],
                &["Debug-Auth-Request-Ms"],
                "debug-auth-request-ms",
            ),
            (
                Initiator::Fetch,
                &[
                    "X-Trace-App",
                    "x-custom-api",
                    "REQueST",
                    "Content-Language",
                    "Accept-Language",
                ],
                &["X-Trace-App", "x-custom-api", "REQueST"],
                "x-trace-app",
            ),
            (
                Initiator::Fetch,
                &[
                    "bar-forwarded-version-x",
                    "SESSION-USER",
                    "Content-Type",
                    "Zpzkp62g+''b",
                    "Accept-Language",
                ],
                &["SESSION-USER"],
                "session-user",
            ),
            (
                Initiator::Xhr,
                &[
                    "X-Correlation-X",
                    "x-ms-version-debug",
                    "Content-Type",
                    "FORWARDED-API-SESSION",
                    "API",
                    "X-dEBUG",
                ],
                &["x-ms-version-debug"],
                "x-ms-version-debug",
            ),
            (
                Initiator::Xhr,
                &["APP-CORRELATION-AUTH", "eg5-h", "X-aUTH-KeY-apI"],
                &["X-aUTH-KeY-apI"],
                "x-auth-key-api",
            ),
            (
                Initiator::Fetch,
                &[
                    "FORWARDED",
                    "Content-Type",
                    "lg%xx0xw!",
                    "id",
                    "R6+5*4`t!|$yri.1iy1kecj$",
                    "Accept-Language",
                ],
                &[
                    "FORWARDED",
                    "Content-Type",
                    "lg%xx0xw!",
                    "id",
                    "R6+5*4`t!|$yri.1iy1kecj$",
                ],
                "forwarded",
            ),
            (
                Initiator::Fetch,
                &[
                    "X-TOken-AUth-CsRf",
                    "Content-Language",
                    "NHGO1S",
                    "Debug",
                    "MS-CSRF-CSRF",
                    "X-TRACE-BAR",
                    "X-Forwarded",
                ],
                &["X-TOken-AUth-CsRf", "MS-CSRF-CSRF", "X-TRACE-BAR"],
                "ms-csrf-csrf",
            ),
            (
                Initiator::Fetch,
                &[
                    "Accept",
                    "mqmqpqcadw~h+r&u",
                    "X-Bar",
                    "X-Amz-App",
                    "AMz-Request",
                    "Accept-Language",
                ],
                &["mqmqpqcadw~h+r&u", "X-Bar", "X-Amz-App", "AMz-Request"],
                "amz-request",
            ),
        ];
        for (initiator, names, disallowed, want) in cases {
            assert_eq!(
                reported(*initiator, HINTS, names, disallowed),
                *want,
                "{names:?}"
            );
        }
    }

    /// Everything allowed: the order of the page's headers, `User-Agent`
    /// and the client hints on the wire of the actual request.
    #[test]
    fn observed_wire_order() {
        let cases: &[(Initiator, bool, &[&str], &[&str])] = &[
            (
                Initiator::Fetch,
                true,
                &[
                    "Session",
                    "Content-Language",
                    "CUSTOM-USER-TRACE",
                    "x-auth-CUstOM-foRwaRded",
                    "Version-FoO-MS",
                    "Accept-Language",
                ],
                &[
                    "Version-FoO-MS",
                    "sec-ch-ua-platform",
                    "x-auth-CUstOM-foRwaRded",
                    "Accept-Language",
                    "sec-ch-ua",
                    "Session",
                    "sec-ch-ua-mobile",
                    "CUSTOM-USER-TRACE",
                    "User-Agent",
                    "Content-Language",
                ],
            ),
            (
                Initiator::Xhr,
                false,
                &["auth-version-bar", "app", "N_", "Mr", "X-Token"],
                &[
                    "Mr",
                    "N_",
                    "app",
                    "User-Agent",
                    "X-Token",
                    "auth-version-bar",
                ],
            ),
            (
                Initiator::Fetch,
                false,
                &[
                    "X-FOO",
                    "Content-Type",
                    "X-MS-BAR",
                    "JSR0F7BRGSDNRCH4MAOA",
                    "CORRELATION-SESSION",
                    "CSRF-API-BAR",
                ],
                &[
                    "X-MS-BAR",
                    "CSRF-API-BAR",
                    "User-Agent",
                    "CORRELATION-SESSION",
                    "Content-Type",
                    "X-FOO",
                    "JSR0F7BRGSDNRCH4MAOA",
                ],
            ),
            (
                Initiator::Xhr,
                false,
                &[
                    "Id-APp",
                    "fwatk",
                    "X-CUSTOM",
                    "x-app",
                    "id",
                    "client-key-trace",
                    "x-client-custom-api",
                    "api",
                    "BF96UOR-EU6X",
                ],
                &[
                    "X-CUSTOM",
                    "Id-APp",
                    "client-key-trace",
                    "BF96UOR-EU6X",
                    "id",
                    "fwatk",
                    "api",
                    "x-app",
                    "User-Agent",
                    "x-client-custom-api",
                ],
            ),
            (
                Initiator::Fetch,
                true,
                &[
                    "Content-Type",
                    "Content-Language",
                    "Accept-Language",
                    "X-Foo-Csrf",
                    "X-Foo",
                ],
                &[
                    "sec-ch-ua-platform",
                    "Accept-Language",
                    "sec-ch-ua",
                    "X-Foo",
                    "sec-ch-ua-mobile",
                    "User-Agent",
                    "X-Foo-Csrf",
                    "Content-Language",
                    "Content-Type",
                ],
            ),
            (
                Initiator::Xhr,
                false,
                &[
                    "versIOn",
                    "SESSION-CSRF",
                    "AUtH-vERsiOn",
                    "vErsION-aPI-MS",
                    "id",
                    "N",
                    "ID-CUSTOM-CLIENT-CUSTOM",
                    "Version-Version-Forwarded",
                    "KEY",
                    "CUSTOM-X",
                ],
                &[
                    "Version-Version-Forwarded",
                    "AUtH-vERsiOn",
                    "id",
                    "SESSION-CSRF",
                    "vErsION-aPI-MS",
                    "KEY",
                    "N",
                    "User-Agent",
                    "versIOn",
                    "CUSTOM-X",
                    "ID-CUSTOM-CLIENT-CUSTOM",
                ],
            ),
            (
                Initiator::Fetch,
                false,
                &[
                    "X0HJMWZ9",
                    "Goog-Id-Client-Goog",
                    "CLIENT-ID-MS-DEBUG",
                    "Content-Type",
                    "Xxdz1004ocgi-C6ga-20vhng2",
                ],
                &[
                    "CLIENT-ID-MS-DEBUG",
                    "Xxdz1004ocgi-C6ga-20vhng2",
                    "User-Agent",
                    "Content-Type",
                    "Goog-Id-Client-Goog",
                    "X0HJMWZ9",
                ],
            ),
            (
                Initiator::Xhr,
                false,
                &[
                    "User-X",
                    "Accept",
                    "foo-TeNanT-KEY",
                    "X-Csrf-User",
                    "request",
                    "x-reQuest-ID",
                ],
                &[
                    "x-reQuest-ID",
                    "User-Agent",
                    "Accept",
                    "foo-TeNanT-KEY",
                    "X-Csrf-User",
                    "User-X",
                    "request",
                ],
            ),
            (
                Initiator::Fetch,
                true,
                &[
                    "x-ms-version-id",
                    "Content-Type",
                    "htw3%mgq",
                    "REquEST-custoM",
                    "Accept-Language",
                ],
                &[
                    "x-ms-version-id",
                    "sec-ch-ua-platform",
                    "Accept-Language",
                    "sec-ch-ua",
                    "sec-ch-ua-mobile",
                    "REquEST-custoM",
                    "User-Agent",
                    "Content-Type",
                    "htw3%mgq",
                ],
            ),
            (
                Initiator::Fetch,
                true,
                &[
                    "Accept",
                    "Accept-Language",
                    "X-TOKEN-TRACE",
                    "api-auth",
                    "X-VERSION",
                    "F%&dysds`h",
                ],
                &[
                    "X-TOKEN-TRACE",
                    "sec-ch-ua-platform",
                    "X-VERSION",
                    "Accept-Language",
                    "api-auth",
                    "sec-ch-ua",
                    "sec-ch-ua-mobile",
                    "F%&dysds`h",
                    "User-Agent",
                    "Accept",
                ],
            ),
        ];
        for (initiator, hints, names, wire) in cases {
            let blink = BlinkKeys {
                client_hints: *hints,
            };
            let got = map_names(names, *initiator, blink);
            let want: Vec<String> = wire.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, want, "{names:?}");
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
