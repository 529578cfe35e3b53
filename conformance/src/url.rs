//! Just enough URL handling to route requests: split `http://host:port/path`,
//! resolve a `Location` against the URL it came from, and build the key the
//! server looks requests up by. Not a general URL parser (the harness must
//! not depend on corsair-core, and pulling in `url` for this is overkill).

/// The parts of an absolute URL the harness cares about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// Lower-cased scheme, e.g. `http`.
    pub scheme: String,
    /// Lower-cased host without userinfo or port (IPv6 keeps its brackets).
    pub host: String,
    /// Explicit port, or the scheme's default.
    pub port: u16,
    /// Path and query as written (`/` when empty), fragment removed.
    pub path_query: String,
}

impl Parts {
    /// The server's routing key: `host:port/path?query`.
    pub fn key(&self) -> String {
        format!("{}:{}{}", self.host, self.port, self.path_query)
    }

    /// `scheme://host:port`, the origin the URL belongs to.
    pub fn origin(&self) -> String {
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// Splits an absolute `scheme://authority/path?query#fragment` URL.
pub fn parse(url: &str) -> Option<Parts> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split('#').next().unwrap_or("");
    let split_at = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_query) = rest.split_at(split_at);
    // Userinfo never reaches the server; drop it.
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = split_host_port(hostport)?;
    let port = match port {
        Some(p) => p,
        None => default_port(&scheme)?,
    };
    if host.is_empty() {
        return None;
    }
    let path_query = if path_query.starts_with('/') {
        path_query.to_string()
    } else {
        format!("/{path_query}")
    };
    Some(Parts {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
        path_query,
    })
}

/// Splits `host[:port]`, also `[v6]:port`. `None` if the port is not a number.
pub fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    if let Some(stripped) = s.strip_prefix('[') {
        let end = stripped.find(']')?;
        let host = &s[..end + 2];
        let after = &stripped[end + 1..];
        return match after {
            "" | ":" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?.parse().ok()?))),
        };
    }
    match s.rsplit_once(':') {
        Some((h, "")) => Some((h, None)),
        Some((h, p)) => Some((h, Some(p.parse().ok()?))),
        None => Some((s, None)),
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// Resolves `location` against `base` the way a browser would for the
/// common forms: absolute, scheme-relative, absolute-path and relative-path.
/// Dot segments are not collapsed (the corpus does not use them).
pub fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if let Some((scheme, _)) = location.split_once("://") {
        if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Some(location.to_string());
        }
    }
    let b = parse(base)?;
    let authority = format!("{}://{}:{}", b.scheme, b.host, b.port);
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{}://{rest}", b.scheme));
    }
    if location.starts_with('/') {
        return Some(format!("{authority}{location}"));
    }
    let base_path = b.path_query.split('?').next().unwrap_or("/");
    if location.is_empty() {
        return Some(format!("{authority}{}", b.path_query));
    }
    if location.starts_with('?') {
        return Some(format!("{authority}{base_path}{location}"));
    }
    let dir = match base_path.rfind('/') {
        Some(i) => &base_path[..=i],
        None => "/",
    };
    Some(format!("{authority}{dir}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keys() {
        let p = parse("http://API.example.test:8002/s/1/x?y=1#frag").unwrap();
        assert_eq!(p.key(), "api.example.test:8002/s/1/x?y=1");
        assert_eq!(p.origin(), "http://api.example.test:8002");
        assert_eq!(parse("http://a.test").unwrap().key(), "a.test:80/");
        assert_eq!(parse("http://u:p@a.test:9/q").unwrap().key(), "a.test:9/q");
        assert_eq!(parse("http://a.test?x").unwrap().path_query, "/?x");
        assert!(parse("http://a.test:99999/").is_none());
        assert!(parse("nope").is_none());
        assert_eq!(parse("http://[::1]:81/").unwrap().host, "[::1]");
    }

    #[test]
    fn resolves_locations() {
        let base = "http://a.test:1/s/1/dir/file?q";
        assert_eq!(
            resolve(base, "http://b.test:2/x").unwrap(),
            "http://b.test:2/x"
        );
        assert_eq!(resolve(base, "//b.test:2/x").unwrap(), "http://b.test:2/x");
        assert_eq!(resolve(base, "/x").unwrap(), "http://a.test:1/x");
        assert_eq!(resolve(base, "y").unwrap(), "http://a.test:1/s/1/dir/y");
        assert_eq!(
            resolve(base, "?z").unwrap(),
            "http://a.test:1/s/1/dir/file?z"
        );
    }
}
