//! What each probe tests (its kind and name), and what its answer showed:
//! trusted with credentials, refused, or inconclusive behind authentication.

use serde::Serialize;

use crate::exchange::{Exchange, Purpose, Received};

/// What a probe tests; its name in the report (`exchanges[].probe`) and in
/// the JSON (`findings[].probe.kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeKind {
    /// A made-up origin: is any origin echoed?
    Reflection,
    /// `Origin: null`.
    Null,
    /// The real host followed by another domain.
    Prefix,
    /// The real host, `_` and another domain (a prefix check that stops at `_`).
    SpecialCharacter,
    /// Another name ending with the registrable domain.
    Suffix,
    /// The registrable domain without its first character.
    Substring,
    /// The real origin cut short (a prefix of it): caught by `allowed.includes(origin)`.
    TruncatedOrigin,
    /// A dot of the host replaced by a letter.
    UnescapedDot,
    /// A subdomain of the real host.
    Subdomain,
    /// The real host over plain http.
    Http,
    /// A development origin on localhost.
    Localhost,
    /// A site on shared hosting (the Public Suffix List's private section).
    ThirdParty,
    /// The request without its credentials (the error path).
    WithoutCredentials,
    /// A path that does not exist (the error path).
    MissingPath,
}

impl ProbeKind {
    /// Every kind.
    pub const ALL: &'static [ProbeKind] = &[
        ProbeKind::Reflection,
        ProbeKind::Null,
        ProbeKind::Prefix,
        ProbeKind::SpecialCharacter,
        ProbeKind::Suffix,
        ProbeKind::Substring,
        ProbeKind::TruncatedOrigin,
        ProbeKind::UnescapedDot,
        ProbeKind::Subdomain,
        ProbeKind::Http,
        ProbeKind::Localhost,
        ProbeKind::ThirdParty,
        ProbeKind::WithoutCredentials,
        ProbeKind::MissingPath,
    ];

    /// The kebab-case name, as in the JSON.
    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::Reflection => "reflection",
            ProbeKind::Null => "null",
            ProbeKind::Prefix => "prefix",
            ProbeKind::SpecialCharacter => "special-character",
            ProbeKind::Suffix => "suffix",
            ProbeKind::Substring => "substring",
            ProbeKind::TruncatedOrigin => "truncated-origin",
            ProbeKind::UnescapedDot => "unescaped-dot",
            ProbeKind::Subdomain => "subdomain",
            ProbeKind::Http => "http",
            ProbeKind::Localhost => "localhost",
            ProbeKind::ThirdParty => "third-party",
            ProbeKind::WithoutCredentials => "without-credentials",
            ProbeKind::MissingPath => "missing-path",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// What one origin probe showed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeResult {
    /// The crafted origin was trusted with credentials.
    Trusted,
    /// The answer did not trust it.
    Refused,
    /// The answer tells nothing: authentication (401/403) refused the probe
    /// before CORS could answer, or no answer came.
    Inconclusive,
}

/// A probe as the JSON shows it on a finding: its kind, the Origin sent and
/// what it showed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeOutcome {
    /// What the probe tests.
    pub kind: ProbeKind,
    /// The Origin sent, for origin probes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// What it showed.
    pub result: ProbeResult,
}

/// Whether an answer is authentication refusing the request (401/403).
/// For a crafted origin, that says nothing about the CORS policy behind it
/// only when the page's own origin is refused the same way: a CORS layer
/// may answer 403 to an origin it refuses (Spring does), which is a refusal.
pub fn refused_by_auth(received: &Received) -> bool {
    // A CORS layer's own 403 varies by Origin or says so ("Invalid CORS
    // request"): that is the policy answering, not authentication.
    let cors_layer = received
        .values("vary")
        .any(|v| v.to_ascii_lowercase().contains("origin"))
        || received.body_prefix.to_ascii_lowercase().contains("cors");
    received.status == 401 || (received.status == 403 && !cors_layer)
}

/// Whether authentication refuses the browser's own first exchange (the one
/// the origin probes vary): then a 401/403 to a probe is inconclusive.
pub fn auth_refuses_page(exchanges: &[Exchange]) -> bool {
    exchanges
        .iter()
        .find(|e| e.purpose != Purpose::Probe)
        .and_then(|e| e.received.as_ref())
        .is_some_and(refused_by_auth)
}

/// What each exchange of a report showed as a probe (`None` for the
/// browser's own exchanges and the doctor's other checks), for the JSON.
pub fn outcomes(exchanges: &[Exchange]) -> Vec<Option<ProbeOutcome>> {
    let auth_first = auth_refuses_page(exchanges);
    exchanges.iter().map(|e| outcome(e, auth_first)).collect()
}

/// What one probe exchange showed; `auth_first`: authentication refuses the
/// page's own origin too ([`auth_refuses_page`]).
pub fn outcome(exchange: &Exchange, auth_first: bool) -> Option<ProbeOutcome> {
    if exchange.purpose != Purpose::Probe {
        return None;
    }
    let kind = ProbeKind::from_name(exchange.probe.as_deref()?)?;
    let origin = exchange
        .sent
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("origin"))
        .map(|(_, v)| v.clone());
    let error_path = matches!(kind, ProbeKind::WithoutCredentials | ProbeKind::MissingPath);
    let result = match (&exchange.received, &origin) {
        (None, _) => ProbeResult::Inconclusive,
        (Some(r), Some(o)) if trusts_with_credentials(r, o) => ProbeResult::Trusted,
        (Some(r), _) if auth_first && !error_path && refused_by_auth(r) => {
            ProbeResult::Inconclusive
        }
        _ => ProbeResult::Refused,
    };
    Some(ProbeOutcome {
        kind,
        origin,
        result,
    })
}

/// Whether `received` trusts `origin` with credentials.
pub(super) fn trusts_with_credentials(received: &Received, origin: &str) -> bool {
    let acao: Vec<&str> = received.values("access-control-allow-origin").collect();
    acao == [origin] && received.first("access-control-allow-credentials") == Some("true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::Wire;

    fn probe_exchange(kind: ProbeKind, origin: &str, received: Option<Received>) -> Exchange {
        Exchange {
            purpose: Purpose::Probe,
            probe: Some(kind.name().into()),
            sent: Wire {
                method: "OPTIONS".into(),
                url: "https://api.example.com/items".into(),
                headers: vec![("origin".into(), origin.into())],
            },
            received,
            error: None,
        }
    }

    fn answer(status: u16, headers: &[(&str, &str)], body: &str) -> Received {
        Received {
            status,
            version: "HTTP/1.1".into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body_prefix: body.into(),
            remote: "127.0.0.1:1".into(),
            elapsed_ms: 1.0,
        }
    }

    #[test]
    fn auth_refusals_are_inconclusive_only_when_the_page_is_refused_too() {
        let o = "https://app.example.co";
        let result = |r: Received, auth_first| {
            outcome(
                &probe_exchange(ProbeKind::TruncatedOrigin, o, Some(r)),
                auth_first,
            )
            .map(|x| x.result)
        };
        let unauthorized = || answer(401, &[], "Unauthorized");
        assert_eq!(
            result(unauthorized(), true),
            Some(ProbeResult::Inconclusive)
        );
        // The page's origin got through: this 401 is about the origin.
        assert_eq!(result(unauthorized(), false), Some(ProbeResult::Refused));
        // Spring's CORS processor: 403, Vary: Origin, "Invalid CORS request".
        let spring = answer(403, &[("vary", "Origin")], "Invalid CORS request");
        assert_eq!(result(spring, true), Some(ProbeResult::Refused));
        let trusted = answer(
            401,
            &[
                ("access-control-allow-origin", o),
                ("access-control-allow-credentials", "true"),
            ],
            "",
        );
        assert_eq!(result(trusted, true), Some(ProbeResult::Trusted));
        // No answer at all tells nothing either.
        assert_eq!(
            outcome(&probe_exchange(ProbeKind::Null, "null", None), false).map(|x| x.result),
            Some(ProbeResult::Inconclusive)
        );
        // The error path's 401 is what it tests, never inconclusive.
        let e = probe_exchange(
            ProbeKind::WithoutCredentials,
            "https://app.example.com",
            Some(answer(401, &[], "")),
        );
        assert_eq!(
            outcome(&e, true).map(|x| x.result),
            Some(ProbeResult::Refused)
        );
    }

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in ProbeKind::ALL {
            assert_eq!(ProbeKind::from_name(k.name()), Some(*k));
            let json = serde_json::to_value(k).unwrap_or_default();
            assert_eq!(json, k.name());
        }
    }
}
