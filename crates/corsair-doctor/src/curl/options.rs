//! curl's options read into a request.

use super::build::{base64, finish, url_encode_data};
use super::{CurlError, CurlRequest};

// ---------------------------------------------------------------------------
// Reading curl's options.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum DataKind {
    /// `-d`, `--data`, `--data-ascii`, `--data-binary`: `@file` reads a file.
    Plain,
    /// `--data-raw`: taken as is.
    Raw,
    /// `--data-urlencode`.
    UrlEncode,
    /// `--json`.
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Request,
    Header,
    Cookie,
    Data(DataKind),
    Form,
    User,
    Bearer,
    UserAgent,
    Referer,
    Url,
    Upload,
    Insecure,
    Head,
    Get,
    Globoff,
    /// Known to take a value that does not matter here.
    IgnoredValue,
    /// A flag without a value (or an unknown option, assumed to be one).
    IgnoredFlag,
}

/// curl's long options that take a value which does not matter here (so the
/// next argument is not read as a URL).
const VALUE_OPTIONS: &[&str] = &[
    "output",
    "write-out",
    "max-time",
    "connect-timeout",
    "proxy",
    "proxy-user",
    "range",
    "cookie-jar",
    "dump-header",
    "cert",
    "key",
    "cacert",
    "capath",
    "cert-type",
    "key-type",
    "pass",
    "ciphers",
    "resolve",
    "connect-to",
    "retry",
    "retry-delay",
    "retry-max-time",
    "max-redirs",
    "speed-limit",
    "speed-time",
    "limit-rate",
    "interface",
    "local-port",
    "dns-servers",
    "config",
    "continue-at",
    "time-cond",
    "telnet-option",
    "ftp-port",
    "quote",
    "trace",
    "trace-ascii",
    "stderr",
    "max-filesize",
    "output-dir",
    "unix-socket",
    "abstract-unix-socket",
    "noproxy",
    "preproxy",
    "proxy-header",
    "request-target",
    "expect100-timeout",
    "happy-eyeballs-timeout-ms",
    "keepalive-time",
    "url-query",
    "variable",
    "aws-sigv4",
    "tls-max",
    "pinnedpubkey",
    "proto",
    "proto-redir",
    "proto-default",
    "socks4",
    "socks4a",
    "socks5",
    "socks5-hostname",
    "doh-url",
    "netrc-file",
    "etag-save",
    "etag-compare",
    "create-file-mode",
    "parallel-max",
    "rate",
    "alt-svc",
    "hsts",
    "proxy-cacert",
    "proxy-cert",
    "proxy-key",
    "crlfile",
    "curves",
    "ech",
    "mail-from",
    "mail-rcpt",
    "mail-auth",
    "login-options",
    "sasl-authzid",
    "service-name",
    "engine",
    "delegation",
    "krb",
    "ip-tos",
    "vlan-priority",
    "trace-config",
];

fn long_option(name: &str) -> Opt {
    match name {
        "request" => Opt::Request,
        "header" => Opt::Header,
        "cookie" => Opt::Cookie,
        "data" | "data-ascii" | "data-binary" => Opt::Data(DataKind::Plain),
        "data-raw" => Opt::Data(DataKind::Raw),
        "data-urlencode" => Opt::Data(DataKind::UrlEncode),
        "json" => Opt::Data(DataKind::Json),
        "form" | "form-string" => Opt::Form,
        "user" => Opt::User,
        "oauth2-bearer" => Opt::Bearer,
        "user-agent" => Opt::UserAgent,
        "referer" => Opt::Referer,
        "url" => Opt::Url,
        "upload-file" => Opt::Upload,
        "insecure" => Opt::Insecure,
        "head" => Opt::Head,
        "get" => Opt::Get,
        "globoff" => Opt::Globoff,
        name if VALUE_OPTIONS.contains(&name) => Opt::IgnoredValue,
        _ => Opt::IgnoredFlag,
    }
}

fn short_option(c: char) -> Opt {
    match c {
        'X' => Opt::Request,
        'H' => Opt::Header,
        'b' => Opt::Cookie,
        'd' => Opt::Data(DataKind::Plain),
        'F' => Opt::Form,
        'u' => Opt::User,
        'A' => Opt::UserAgent,
        'e' => Opt::Referer,
        'T' => Opt::Upload,
        'k' => Opt::Insecure,
        'I' => Opt::Head,
        'G' => Opt::Get,
        'g' => Opt::Globoff,
        'c' | 'C' | 'D' | 'E' | 'K' | 'm' | 'o' | 'P' | 'Q' | 'r' | 't' | 'U' | 'w' | 'x' | 'y'
        | 'Y' | 'z' => Opt::IgnoredValue,
        _ => Opt::IgnoredFlag,
    }
}

fn takes_value(opt: Opt) -> bool {
    !matches!(
        opt,
        Opt::Insecure | Opt::Head | Opt::Get | Opt::Globoff | Opt::IgnoredFlag
    )
}

#[derive(Default)]
pub(super) struct State {
    pub(super) url: Option<String>,
    pub(super) method: Option<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) removed: Vec<String>,
    pub(super) cookies: Vec<String>,
    pub(super) data: Option<String>,
    pub(super) last_json: bool,
    pub(super) json: bool,
    pub(super) form: bool,
    pub(super) authorization: Option<String>,
    pub(super) user_agent: Option<String>,
    pub(super) referer: Option<String>,
    pub(super) upload: bool,
    pub(super) insecure: bool,
    pub(super) head: bool,
    pub(super) get: bool,
    pub(super) globoff: bool,
    pub(super) ignored: Vec<String>,
}

pub(super) fn interpret(args: Vec<String>) -> Result<CurlRequest, CurlError> {
    let mut st = State::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--").filter(|n| !n.is_empty()) {
            let opt = long_option(name);
            let shown = format!("--{name}");
            let value = if takes_value(opt) {
                Some(
                    args.next()
                        .ok_or_else(|| CurlError::MissingValue(shown.clone()))?,
                )
            } else {
                None
            };
            apply(&mut st, opt, &shown, value)?;
        } else if let Some(group) = arg.strip_prefix('-').filter(|g| !g.is_empty()) {
            for (at, c) in group.char_indices() {
                let opt = short_option(c);
                let shown = format!("-{c}");
                if !takes_value(opt) {
                    apply(&mut st, opt, &shown, None)?;
                    continue;
                }
                let attached = group.get(at + c.len_utf8()..).unwrap_or("");
                let value = if attached.is_empty() {
                    args.next()
                        .ok_or_else(|| CurlError::MissingValue(shown.clone()))?
                } else {
                    attached.to_owned()
                };
                apply(&mut st, opt, &shown, Some(value))?;
                break;
            }
        } else if arg.is_empty() {
            continue;
        } else if st.url.is_none() {
            st.url = Some(arg);
        } else {
            st.ignored.push(format!("extra URL {arg}"));
        }
    }
    finish(st)
}

fn apply(st: &mut State, opt: Opt, shown: &str, value: Option<String>) -> Result<(), CurlError> {
    let value = value.unwrap_or_default();
    match opt {
        Opt::Request => st.method = Some(value),
        Opt::Header => header(st, shown, &value)?,
        Opt::Cookie => {
            if value.contains('=') {
                st.cookies.push(value.trim().to_owned());
            } else {
                st.ignored
                    .push(format!("{shown} {value} (a cookie file, not read)"));
            }
        }
        Opt::Data(kind) => {
            let piece = match kind {
                DataKind::Raw => value,
                DataKind::Plain | DataKind::Json => {
                    if value.starts_with('@') {
                        return Err(CurlError::FromFile(shown.to_owned()));
                    }
                    value
                }
                DataKind::UrlEncode => {
                    url_encode_data(&value).ok_or_else(|| CurlError::FromFile(shown.to_owned()))?
                }
            };
            let json = kind == DataKind::Json;
            match &mut st.data {
                Some(data) => {
                    if !(json && st.last_json) {
                        data.push('&');
                    }
                    data.push_str(&piece);
                }
                None => st.data = Some(piece),
            }
            st.last_json = json;
            st.json |= json;
        }
        Opt::Form => {
            st.form = true;
            match &mut st.data {
                Some(data) => {
                    data.push('&');
                    data.push_str(&value);
                }
                None => st.data = Some(value),
            }
            st.last_json = false;
        }
        Opt::User => st.authorization = Some(format!("Basic {}", base64(value.as_bytes()))),
        Opt::Bearer => st.authorization = Some(format!("Bearer {value}")),
        Opt::UserAgent => st.user_agent = Some(value),
        Opt::Referer => {
            let value = value.strip_suffix(";auto").unwrap_or(&value).to_owned();
            st.referer = Some(value);
        }
        Opt::Url => {
            if st.url.is_none() {
                st.url = Some(value);
            } else {
                st.ignored.push(format!("extra URL {value}"));
            }
        }
        Opt::Upload => {
            st.upload = true;
            st.ignored
                .push(format!("{shown} {value} (the file is not read)"));
        }
        Opt::Insecure => st.insecure = true,
        Opt::Head => st.head = true,
        Opt::Get => st.get = true,
        Opt::Globoff => {
            st.globoff = true;
            st.ignored.push(shown.to_owned());
        }
        Opt::IgnoredValue => st.ignored.push(format!("{shown} {value}")),
        Opt::IgnoredFlag => st.ignored.push(shown.to_owned()),
    }
    Ok(())
}

fn header(st: &mut State, shown: &str, raw: &str) -> Result<(), CurlError> {
    if raw.starts_with('@') {
        return Err(CurlError::FromFile(shown.to_owned()));
    }
    let (name, value) = match raw.split_once(':') {
        Some((name, v)) => (name.trim(), v.trim()),
        None => match raw.trim_end().strip_suffix(';') {
            // `Name;` sends the header with an empty value.
            Some(name) if !name.trim().is_empty() => {
                st.headers.push((name.trim().to_owned(), String::new()));
                return Ok(());
            }
            _ => return Err(CurlError::BadHeader(raw.to_owned())),
        },
    };
    if name.is_empty() {
        return Err(CurlError::BadHeader(raw.to_owned()));
    }
    if value.is_empty() {
        // `Name:` removes a header curl would send itself.
        st.removed.push(name.to_ascii_lowercase());
        st.ignored
            .push(format!("-H '{name}:' (removes the header)"));
        return Ok(());
    }
    if name.eq_ignore_ascii_case("cookie") {
        st.cookies.push(value.to_owned());
    } else {
        st.headers.push((name.to_owned(), value.to_owned()));
    }
    Ok(())
}
