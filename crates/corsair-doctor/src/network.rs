//! A request that got no HTTP answer, classified so the report can say what
//! to do: the browser's console shows the same "CORS error" or "Failed to
//! fetch" for all of these, but none of them is a CORS problem.

use serde::Serialize;
use tokio_rustls::rustls::{self, CertificateError};

use crate::send::SendError;

/// Why there was no answer, as the user acts on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum NetworkFailure {
    /// The host name does not resolve.
    Dns {
        /// The host.
        host: String,
    },
    /// Nothing accepts connections there.
    Refused {
        /// `host:port`.
        addr: String,
    },
    /// No route, or the connection was dropped before any answer.
    Unreachable {
        /// `host:port` or the host.
        addr: String,
        /// The system's words.
        detail: String,
    },
    /// No answer within the time allowed.
    Timeout {
        /// Seconds waited.
        seconds: u64,
    },
    /// The server's certificate is not accepted.
    Certificate {
        /// The host.
        host: String,
        /// What is wrong with it.
        problem: CertProblem,
    },
    /// The TLS handshake failed for another reason (protocol, plain HTTP
    /// on an https port).
    Tls {
        /// The host.
        host: String,
        /// The TLS library's words.
        detail: String,
    },
    /// The proxy refused the tunnel.
    Proxy {
        /// The proxy's answer.
        detail: String,
    },
    /// The connection broke off, or the answer was not HTTP.
    Broken {
        /// What happened.
        detail: String,
    },
    /// The URL cannot be requested at all.
    BadUrl {
        /// Why.
        detail: String,
    },
}

/// What is wrong with a server certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertProblem {
    /// Signed by no authority this machine trusts: self-signed, or a private
    /// CA (mkcert's, a company's) that is not installed.
    UntrustedIssuer,
    /// The server presents a CA certificate as its own.
    CaAsEndEntity,
    /// Past its end date (or before its start).
    Expired,
    /// Issued for other names than the host.
    WrongHost,
    /// Revoked, badly encoded, a bad signature, or another reason.
    Other,
}

impl NetworkFailure {
    /// Classifies a send error.
    pub fn of(error: &SendError) -> NetworkFailure {
        match error {
            SendError::BadUrl(d) => NetworkFailure::BadUrl { detail: d.clone() },
            SendError::Dns { host, .. } => NetworkFailure::Dns { host: host.clone() },
            SendError::Connect { addr, source } => match source.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    NetworkFailure::Refused { addr: addr.clone() }
                }
                std::io::ErrorKind::TimedOut => NetworkFailure::Timeout { seconds: 0 },
                _ => NetworkFailure::Unreachable {
                    addr: addr.clone(),
                    detail: source.to_string(),
                },
            },
            SendError::Tls { host, source } => match certificate_problem(source) {
                Some(problem) => NetworkFailure::Certificate {
                    host: host.clone(),
                    problem,
                },
                None => NetworkFailure::Tls {
                    host: host.clone(),
                    detail: source.to_string(),
                },
            },
            SendError::Proxy { .. } => NetworkFailure::Proxy {
                detail: error.to_string(),
            },
            SendError::Http { .. } => NetworkFailure::Broken {
                detail: error.to_string(),
            },
            SendError::Timeout(d) => NetworkFailure::Timeout {
                seconds: d.as_secs().max(1),
            },
        }
    }

    /// One sentence: what happened, in words a user acts on.
    pub fn summary(&self) -> String {
        match self {
            NetworkFailure::Dns { host } => format!("{host} does not resolve (DNS): the browser never reaches a server, so no CORS check runs. Check the API's base URL (the environment variable or config the frontend reads) and the host name's DNS record."),
            NetworkFailure::Refused { addr } => format!("Nothing accepts connections on {addr}: the API is not running there, or listens on another port or address (127.0.0.1 versus ::1, or 0.0.0.0 inside a container)."),
            NetworkFailure::Unreachable { addr, detail } => format!("{addr} cannot be reached ({detail}): a firewall, a VPN or a wrong address."),
            NetworkFailure::Timeout { seconds } if *seconds == 0 => "The connection timed out: the host does not answer on that port (a firewall drops it, or the server is overloaded).".into(),
            NetworkFailure::Timeout { seconds } => format!("No answer within {seconds} s: the server is overloaded or stuck, or a firewall drops the packets (--timeout waits longer)."),
            NetworkFailure::Certificate { host, problem } => match problem {
                CertProblem::UntrustedIssuer => format!("The certificate of {host} is signed by no authority this machine trusts (self-signed, or a private CA that is not installed). Browsers refuse it too. For local development: `mkcert -install` then `mkcert {host}` and serve that certificate; to check with corsair meanwhile, pass the CA with --cacert FILE (browsers need it in their trust store)."),
                CertProblem::CaAsEndEntity => format!("{host} presents a CA certificate as its own certificate. Serve a leaf certificate signed by that CA instead (`mkcert {host}` makes one), and install the CA (`mkcert -install`)."),
                CertProblem::Expired => format!("The certificate of {host} has expired (or is not valid yet): renew it (certbot renew, or your provider's console), and check the server's clock."),
                CertProblem::WrongHost => format!("The certificate of {host} is issued for other names: request the API by a name on the certificate, or issue one that includes {host}."),
                CertProblem::Other => format!("The certificate of {host} is refused (revoked, badly encoded or badly signed): replace it."),
            },
            NetworkFailure::Tls { host, detail } => format!("The TLS handshake with {host} failed ({detail}): often plain http on an https port, or the reverse. Check the URL's scheme and port."),
            NetworkFailure::Proxy { detail } => format!("{detail}: check HTTPS_PROXY / NO_PROXY (--no-proxy ignores them)."),
            NetworkFailure::Broken { detail } => format!("{detail}: the server closed the connection or did not speak HTTP (a crash, a load balancer's idle timeout, or a non-HTTP port)."),
            NetworkFailure::BadUrl { detail } => format!("The URL cannot be requested: {detail}."),
        }
    }
}

/// The certificate problem behind a TLS failure, when it is one.
fn certificate_problem(source: &std::io::Error) -> Option<CertProblem> {
    let inner = source.get_ref()?;
    let tls = inner.downcast_ref::<rustls::Error>()?;
    let rustls::Error::InvalidCertificate(cert) = tls else {
        return None;
    };
    Some(match cert {
        CertificateError::UnknownIssuer => CertProblem::UntrustedIssuer,
        CertificateError::Expired
        | CertificateError::ExpiredContext { .. }
        | CertificateError::NotValidYet
        | CertificateError::NotValidYetContext { .. } => CertProblem::Expired,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            CertProblem::WrongHost
        }
        // webpki's CaUsedAsEndEntity has no variant of its own in rustls.
        other if format!("{other:?}").contains("CaUsedAsEndEntity") => CertProblem::CaAsEndEntity,
        _ => CertProblem::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(error: rustls::Error) -> NetworkFailure {
        NetworkFailure::of(&SendError::Tls {
            host: "api.example.com".into(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
        })
    }

    #[test]
    fn certificate_problems_are_named() {
        let cases = [
            (
                CertificateError::UnknownIssuer,
                CertProblem::UntrustedIssuer,
            ),
            (CertificateError::Expired, CertProblem::Expired),
            (CertificateError::NotValidYet, CertProblem::Expired),
            (CertificateError::NotValidForName, CertProblem::WrongHost),
            (CertificateError::BadSignature, CertProblem::Other),
        ];
        for (error, want) in cases {
            assert_eq!(
                tls(rustls::Error::InvalidCertificate(error.clone())),
                NetworkFailure::Certificate {
                    host: "api.example.com".into(),
                    problem: want
                },
                "{error:?}"
            );
        }
        // Not a certificate problem: the handshake itself.
        assert!(matches!(
            tls(rustls::Error::General("handshake".into())),
            NetworkFailure::Tls { .. }
        ));
        let refused = NetworkFailure::of(&SendError::Connect {
            addr: "127.0.0.1:9".into(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        });
        assert_eq!(
            refused,
            NetworkFailure::Refused {
                addr: "127.0.0.1:9".into()
            }
        );
        assert!(refused.summary().contains("127.0.0.1:9"));
    }
}
