//! The request headers a policy allows, and the bounded, linear-time check of
//! a preflight's `Access-Control-Request-Headers` against them.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use foldhash::fast::RandomState;

use crate::grammar::is_token_bytes;

/// Longest `Access-Control-Request-Headers` value looked at, in bytes. A page
/// would need well over a hundred custom headers to reach it; anything longer
/// is refused before any name is looked up (rs/cors once spent 127 ms and
/// 121 MB on one hostile preflight).
pub const MAX_REQUEST_HEADERS_LEN: usize = 8 * 1024;

/// Most names looked at in one `Access-Control-Request-Headers` value.
pub const MAX_REQUEST_HEADERS: usize = 128;

/// Up to this many names, a lookup compares them one by one (bounded work
/// per name either way).
const SMALL_SET: usize = 8;

/// A header name compared and hashed without regard to ASCII case.
#[repr(transparent)]
#[derive(Debug)]
struct Name([u8]);

impl Name {
    fn new(bytes: &[u8]) -> &Name {
        // SAFETY: `Name` is a transparent wrapper around `[u8]`.
        unsafe { &*(bytes as *const [u8] as *const Name) }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Eight bytes at a time, lower-cased with a mask: no allocation.
        let mut chunks = self.0.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            for (w, b) in word.iter_mut().zip(chunk) {
                *w = b.to_ascii_lowercase();
            }
            state.write_u64(u64::from_le_bytes(word));
        }
        let mut tail = [0u8; 8];
        for (w, b) in tail.iter_mut().zip(chunks.remainder()) {
            *w = b.to_ascii_lowercase();
        }
        state.write_u64(u64::from_le_bytes(tail));
        state.write_usize(self.0.len());
    }
}

// `Box<[u8]>` must hash as its `Name` does for `Borrow` lookups: wrap it.
#[derive(Debug, Clone)]
struct Owned(Box<[u8]>);

impl PartialEq for Owned {
    fn eq(&self, other: &Owned) -> bool {
        Name::new(&self.0) == Name::new(&other.0)
    }
}
impl Eq for Owned {}
impl Hash for Owned {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Name::new(&self.0).hash(state)
    }
}
impl std::borrow::Borrow<Name> for Owned {
    fn borrow(&self) -> &Name {
        Name::new(&self.0)
    }
}

/// Lower-cases the ASCII letters of eight bytes at once.
fn lower_word(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low7 = x & (0x7f * ONES);
    // Per byte: high bit set when the byte is >= 'A', and when it is > 'Z'.
    let ge_a = low7 + (0x80 - u64::from(b'A')) * ONES;
    let gt_z = low7 + (0x80 - u64::from(b'Z') - 1) * ONES;
    let upper = (ge_a ^ gt_z) & !x & (0x80 * ONES);
    x | (upper >> 2)
}

/// `stored` (already lower-case) equals `name` up to ASCII case, compared
/// eight bytes at a time.
fn eq_lowered(stored: &[u8], name: &[u8]) -> bool {
    if stored.len() != name.len() {
        return false;
    }
    let word = |s: &[u8], i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[i..i + 8]);
        u64::from_le_bytes(w)
    };
    let mut i = 0;
    while i + 8 <= name.len() {
        if word(stored, i) != lower_word(word(name, i)) {
            return false;
        }
        i += 8;
    }
    stored[i..]
        .iter()
        .zip(&name[i..])
        .all(|(x, y)| *x == y.to_ascii_lowercase())
}

/// Why a preflight's `Access-Control-Request-Headers` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadersRefusal<'a> {
    /// This requested name is not allowed.
    NotAllowed(&'a [u8]),
    /// The value is longer than [`MAX_REQUEST_HEADERS_LEN`] or names more
    /// than [`MAX_REQUEST_HEADERS`] headers.
    TooLong,
    /// The value is not a comma-separated list of header names.
    Malformed,
}

/// The request headers a policy allows.
#[derive(Clone, Debug, Default)]
pub struct HeaderSet {
    names: HashSet<Owned, RandomState>,
    /// The same names, for sets small enough that comparing beats hashing.
    small: Vec<Box<[u8]>>,
    /// `*`: any name except `authorization`, which is only allowed when
    /// listed (browsers never let `*` cover it).
    any: bool,
}

impl HeaderSet {
    /// The set of `names` (any case); `*` among them allows any other name.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> HeaderSet {
        let mut set = HeaderSet::default();
        for name in names {
            if name == "*" {
                set.any = true;
            } else if set.names.insert(Owned(name.as_bytes().into())) {
                set.small
                    .push(name.to_ascii_lowercase().into_bytes().into());
            }
        }
        if set.small.len() > SMALL_SET {
            set.small.clear();
        }
        set
    }

    /// Whether `*` was given.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// Whether one name is allowed.
    pub fn allows(&self, name: &[u8]) -> bool {
        self.listed(name) || (self.any && !name.eq_ignore_ascii_case(b"authorization"))
    }

    /// Whether the name is listed (not merely covered by `*`).
    fn listed(&self, name: &[u8]) -> bool {
        if self.small.is_empty() {
            self.names.contains(Name::new(name))
        } else {
            self.small.iter().any(|n| eq_lowered(n, name))
        }
    }

    /// Checks every name of an `Access-Control-Request-Headers` value, in
    /// one pass over its bytes, refusing hostile values early. Empty list
    /// elements are skipped as HTTP list syntax allows.
    pub fn check<'a>(&self, value: &'a [u8]) -> Result<(), HeadersRefusal<'a>> {
        if value.len() > MAX_REQUEST_HEADERS_LEN {
            return Err(HeadersRefusal::TooLong);
        }
        let mut count = 0usize;
        for item in value.split(|&b| b == b',') {
            let name = trim_ows(item);
            if name.is_empty() {
                continue;
            }
            count += 1;
            if count > MAX_REQUEST_HEADERS {
                return Err(HeadersRefusal::TooLong);
            }
            // Listed names are tokens already: only an unlisted name (or one
            // `*` would echo back) needs its bytes checked.
            if self.listed(name) {
                continue;
            }
            if !is_token_bytes(name) {
                return Err(HeadersRefusal::Malformed);
            }
            if !self.any || name.eq_ignore_ascii_case(b"authorization") {
                return Err(HeadersRefusal::NotAllowed(name));
            }
        }
        Ok(())
    }
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_checked_case_insensitively() {
        let set = HeaderSet::new(["content-type", "Authorization", "x-request-id"]);
        assert_eq!(set.check(b"authorization,content-type"), Ok(()));
        assert_eq!(set.check(b"Content-Type , X-Request-ID"), Ok(()));
        assert_eq!(set.check(b""), Ok(()));
        assert_eq!(set.check(b",,content-type,"), Ok(()));
        assert_eq!(
            set.check(b"content-type,x-other"),
            Err(HeadersRefusal::NotAllowed(b"x-other"))
        );
        assert_eq!(set.check(b"content type"), Err(HeadersRefusal::Malformed));
        assert_eq!(set.check(b"content-type;x"), Err(HeadersRefusal::Malformed));
    }

    #[test]
    fn word_lowering_matches_byte_lowering() {
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, b'A', b'z', b'Z', b'@', b'[', b'-', b]);
            let want: Vec<u8> = word
                .to_le_bytes()
                .iter()
                .map(u8::to_ascii_lowercase)
                .collect();
            assert_eq!(lower_word(word).to_le_bytes().to_vec(), want, "{b}");
        }
        assert!(eq_lowered(
            b"x-request-id-long-name",
            b"X-Request-ID-Long-Name"
        ));
        assert!(!eq_lowered(
            b"x-request-id-long-name",
            b"X-Request-ID-Long-Namf"
        ));
        assert!(!eq_lowered(b"abcdefgh", b"abcdefgi"));
    }

    #[test]
    fn star_never_covers_authorization() {
        let set = HeaderSet::new(["*"]);
        assert_eq!(set.check(b"x-anything,content-type"), Ok(()));
        assert_eq!(
            set.check(b"authorization"),
            Err(HeadersRefusal::NotAllowed(b"authorization"))
        );
        let set = HeaderSet::new(["*", "authorization"]);
        assert_eq!(set.check(b"authorization,x-a"), Ok(()));
    }

    #[test]
    fn hostile_values_are_refused_by_size() {
        let set = HeaderSet::new(["*"]);
        let long = vec![b'a'; MAX_REQUEST_HEADERS_LEN + 1];
        assert_eq!(set.check(&long), Err(HeadersRefusal::TooLong));
        let many = "a,".repeat(MAX_REQUEST_HEADERS + 1);
        assert_eq!(set.check(many.as_bytes()), Err(HeadersRefusal::TooLong));
        let commas = vec![b','; MAX_REQUEST_HEADERS_LEN];
        assert_eq!(set.check(&commas), Ok(()));
    }
}
