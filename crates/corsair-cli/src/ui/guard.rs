//! Who may use `corsair ui`: only the page it served, on the loopback
//! address it listens on. The live check sends requests on the user's
//! behalf, so another page (another site open in the same browser, or a
//! name rebound to 127.0.0.1) must not be able to drive it.

use std::net::SocketAddr;

/// A per-run secret, put in the page's forms: another page cannot read the
/// page (no CORS header is ever sent), so it cannot learn it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot read random bytes for the page's token: {0}")]
pub struct NoRandomness(#[from] std::io::Error);

impl Token {
    /// 128 random bits from the system, in hex.
    pub fn new() -> Result<Token, NoRandomness> {
        use std::fmt::Write as _;
        use std::io::Read as _;
        let mut bytes = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
        let mut hex = String::with_capacity(32);
        for b in bytes {
            let _ = write!(hex, "{b:02x}");
        }
        Ok(Token(hex))
    }

    /// The token as the page carries it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `given` is the token, compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

/// Why a request is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The Host header names something other than the loopback address
    /// listened on (a DNS-rebinding attempt, or a proxy).
    #[error("the Host header is not this server's loopback address")]
    Host,
    /// The request comes from another page's origin.
    #[error("the request comes from another site")]
    Origin,
    /// The form's token is missing or wrong.
    #[error("the page's token is missing or wrong: reload the page")]
    Token,
}

/// Whether `addr` is a loopback address (the only kind `corsair ui` listens on).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

/// The Host values that name this server: its address, and `localhost`,
/// with the port.
pub fn hosts(addr: &SocketAddr) -> Vec<String> {
    let port = addr.port();
    let mut names = vec![addr.to_string(), format!("localhost:{port}")];
    if addr.is_ipv4() {
        names.push(format!("127.0.0.1:{port}"));
    } else {
        names.push(format!("[::1]:{port}"));
    }
    names
}

/// Checks every request: the Host must be ours (DNS rebinding);
/// a request that changes anything (`post`) must also come from our own
/// page (`Origin`, `Sec-Fetch-Site`) and carry the token.
pub fn check(
    addr: &SocketAddr,
    host: Option<&str>,
    origin: Option<&str>,
    fetch_site: Option<&str>,
    post: Option<(&Token, Option<&str>)>,
) -> Result<(), Refused> {
    let ours = hosts(addr);
    let host = host.ok_or(Refused::Host)?;
    if !ours.iter().any(|h| h.eq_ignore_ascii_case(host)) {
        return Err(Refused::Host);
    }
    let Some((token, given)) = post else {
        return Ok(());
    };
    if let Some(o) = origin {
        let own = ours
            .iter()
            .any(|h| o.eq_ignore_ascii_case(&format!("http://{h}")));
        if !own {
            return Err(Refused::Origin);
        }
    }
    if fetch_site.is_some_and(|s| s != "same-origin" && s != "none") {
        return Err(Refused::Origin);
    }
    match given {
        Some(g) if token.matches(g) => Ok(()),
        _ => Err(Refused::Token),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr() -> SocketAddr {
        "127.0.0.1:7878".parse().expect("address")
    }

    #[test]
    fn tokens_are_random_and_compared_whole() {
        let t = Token::new().expect("random");
        assert_eq!(t.as_str().len(), 32);
        assert_ne!(t, Token::new().expect("random"));
        assert!(t.matches(t.as_str()));
        assert!(!t.matches(&t.as_str()[..31]));
        assert!(!t.matches(""));
        assert!(!format!("{t:?}").contains(t.as_str()));
    }

    #[test]
    fn only_our_page_on_our_host_may_post() {
        let t = Token::new().expect("random");
        let a = addr();
        let own = Some("http://127.0.0.1:7878");
        assert_eq!(check(&a, Some("127.0.0.1:7878"), None, None, None), Ok(()));
        assert_eq!(check(&a, Some("localhost:7878"), None, None, None), Ok(()));
        // DNS rebinding: evil.example resolved to 127.0.0.1.
        assert_eq!(
            check(&a, Some("evil.example:7878"), None, None, None),
            Err(Refused::Host)
        );
        assert_eq!(check(&a, None, None, None, None), Err(Refused::Host));
        assert_eq!(
            check(
                &a,
                Some("127.0.0.1:7878"),
                own,
                Some("same-origin"),
                Some((&t, Some(t.as_str())))
            ),
            Ok(())
        );
        // Another site's form, even with a guessed token.
        assert_eq!(
            check(
                &a,
                Some("127.0.0.1:7878"),
                Some("https://evil.example"),
                Some("cross-site"),
                Some((&t, Some(t.as_str())))
            ),
            Err(Refused::Origin)
        );
        assert_eq!(
            check(
                &a,
                Some("127.0.0.1:7878"),
                own,
                Some("cross-site"),
                Some((&t, Some(t.as_str())))
            ),
            Err(Refused::Origin)
        );
        assert_eq!(
            check(
                &a,
                Some("127.0.0.1:7878"),
                own,
                None,
                Some((&t, Some("0000")))
            ),
            Err(Refused::Token)
        );
        assert_eq!(
            check(&a, Some("127.0.0.1:7878"), own, None, Some((&t, None))),
            Err(Refused::Token)
        );
        assert_eq!(
            check(
                &a,
                Some("127.0.0.1:7878"),
                Some("null"),
                None,
                Some((&t, Some(t.as_str())))
            ),
            Err(Refused::Origin)
        );
    }

    #[test]
    fn loopback_only() {
        assert!(is_loopback(&"127.0.0.1:1".parse().expect("a")));
        assert!(is_loopback(&"[::1]:1".parse().expect("a")));
        assert!(!is_loopback(&"0.0.0.0:1".parse().expect("a")));
        assert!(!is_loopback(&"192.168.1.2:1".parse().expect("a")));
    }
}
