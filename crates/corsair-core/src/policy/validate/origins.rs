//! The rules for origin entries: each entry's own problems, what trusting
//! it means with credentials and in production, and entries another one
//! already covers.

use crate::catalog::{Severity, Slug};
use crate::policy::document::Located;
use crate::policy::origin_entry::{analyze, is_loopback_host};
use crate::policy::problem::Location;
use crate::policy::spec::OriginEntry;
use crate::spec::{Pattern, PortRule};

use super::checker::Checker;
use super::effective::Effective;

/// Hosts where anyone can publish pages that run their own script.
const SHARED_HOSTS: [&str; 16] = [
    "codepen.io",
    "cdpn.io",
    "jsfiddle.net",
    "jshell.net",
    "codesandbox.io",
    "csb.app",
    "stackblitz.com",
    "stackblitz.io",
    "webcontainer.io",
    "jsbin.com",
    "plnkr.co",
    "glitch.me",
    "replit.com",
    "replit.dev",
    "repl.co",
    "github.dev",
];

impl Checker<'_> {
    pub(super) fn origins(&mut self, eff: &Effective<'_>, credentials: bool) -> Vec<OriginEntry> {
        if eff.no_origins() {
            let at = eff.origins_list.map_or(eff.at.clone(), |l| l.at.clone());
            self.push(
                Slug::EmptyOriginList,
                &at,
                format!(
                    "{} allows no origin: every cross-origin request is refused",
                    eff.label
                ),
                "list the origins of your frontends: `origins = [\"https://app.example.com\"]`"
                    .into(),
            );
            return Vec::new();
        }
        let mut kept: Vec<(OriginEntry, &Location, &str)> = Vec::new();
        for item in eff.origins() {
            // Each entry is analysed once per (credentials, production): a
            // stage's list is the inherited one plus a few, and its own
            // problems are already reported.
            let key = (
                item as *const Located<String> as usize,
                credentials,
                eff.production,
            );
            let entry = match self.memo.entries.get(&key) {
                Some((entry, errors)) => {
                    self.inherited += errors;
                    entry.clone()
                }
                None => {
                    let before = self.errors;
                    let entry = self.origin_entry(eff, credentials, item);
                    let errors = self.errors - before;
                    self.memo.entries.insert(key, (entry.clone(), errors));
                    entry
                }
            };
            if let Some(entry) = entry {
                kept.push((entry, &item.at, &item.value));
            }
        }
        // Entries another entry already covers.
        let refs: Vec<&OriginEntry> = kept.iter().map(|(e, _, _)| e).collect();
        let covered = crate::policy::overlap::first_covering(&refs, covers);
        for ((_, at, text), by) in kept.iter().zip(covered) {
            if let Some(j) = by {
                let other = kept[j].2;
                self.push(
                    Slug::OverlappingOrigins,
                    at,
                    format!("`{text}` is already allowed by `{other}`"),
                    format!("remove `{text}` (or narrow `{other}`)"),
                );
            }
        }
        kept.into_iter().map(|(e, _, _)| e).collect()
    }

    /// One origin entry analysed, its problems reported.
    fn origin_entry(
        &mut self,
        eff: &Effective<'_>,
        credentials: bool,
        item: &Located<String>,
    ) -> Option<OriginEntry> {
        let analysis = analyze(&item.value);
        for issue in &analysis.issues {
            let fix = match &analysis.suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => fix_for(issue.slug),
            };
            self.push_sev(
                issue.slug,
                issue.severity,
                &item.at,
                issue.message.clone(),
                fix,
            );
        }
        let entry = analysis.entry?;
        self.origin_rules(eff, credentials, &entry, item);
        Some(entry)
    }

    fn origin_rules(
        &mut self,
        eff: &Effective<'_>,
        credentials: bool,
        entry: &OriginEntry,
        item: &Located<String>,
    ) {
        let text = &item.value;
        let (scheme, host, subdomains) = match entry {
            OriginEntry::Any => {
                if credentials {
                    self.push(
                        Slug::WildcardWithCredentials,
                        &item.at,
                        "origin `*` with `credentials = true`: browsers refuse `*` on credentialed requests, and echoing every origin instead would let any website act as the signed-in user".into(),
                        "list the exact origins of your frontends instead of `*`, or set `credentials = false` for a public API".into(),
                    );
                }
                return;
            }
            OriginEntry::Exact(o) => {
                let (scheme, rest) = o.split_once("://").unwrap_or(("", o));
                (scheme, host_of(rest), false)
            }
            OriginEntry::Pattern(p) => (&*p.scheme, &*p.host, p.subdomains),
        };
        if subdomains {
            if let Some(suffix) = psl::suffix(host.as_bytes()) {
                if suffix.is_known() && suffix.as_bytes() == host.as_bytes() {
                    self.push(
                        Slug::WildcardPublicSuffix,
                        &item.at,
                        format!("`{text}`: `{host}` is a public suffix, so anyone can register a subdomain under it and be trusted"),
                        format!("list your own sites under it exactly (`{scheme}://yoursite.{host}`)"),
                    );
                    return;
                }
            }
            if credentials {
                self.push(
                    Slug::AnySubdomainTrusted,
                    &item.at,
                    format!("`{text}` trusts every subdomain of {host} with credentials: one XSS or a forgotten subdomain takeover anywhere under it reads this API as the user"),
                    "list the subdomains that host your frontends exactly, if you can".into(),
                );
            }
        }
        let shared = SHARED_HOSTS
            .iter()
            .find(|s| host == **s || host.strip_suffix(**s).is_some_and(|h| h.ends_with('.')));
        if let Some(shared) = shared {
            let severity = if credentials {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push_sev(
                Slug::ThirdPartyOriginTrusted,
                severity,
                &item.at,
                format!("`{text}`: anyone can run their own script on {shared}, so this trusts strangers"),
                "remove it; for demos, use a policy without credentials on a public route".into(),
            );
        }
        let loopback = is_loopback_host(host);
        if scheme == "http" && !loopback && credentials {
            // Refused where production is concerned; a development stage may
            // run its frontends on plain-http test domains.
            let severity = if eff.production {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push_sev(
                Slug::InsecureOriginTrusted,
                severity,
                &item.at,
                format!("`{text}` is plain http and trusted with credentials: anyone on the network path can inject script into that page and read this API as the user"),
                format!("serve that frontend over https and allow `https://{}` instead", &text["http://".len()..]),
            );
        } else if scheme == "http" && !loopback && eff.production {
            self.push(
                Slug::HttpOriginInProduction,
                &item.at,
                format!("`{text}` is plain http in the production policy: a page whose script can be altered in transit is trusted"),
                format!("serve that frontend over https and allow `https://{}` instead", &text["http://".len()..]),
            );
        }
        if loopback && eff.production {
            let severity = if credentials {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.push_sev(
                Slug::LocalhostInProduction,
                severity,
                &item.at,
                format!("`{text}` is allowed in production: any program serving a page on the visitor's own machine is trusted"),
                format!("move it to a development stage: `[stages.development]` `extra-origins = [\"{text}\"]`, chosen with `--stage development` or CORSAIR_STAGE"),
            );
        }
    }
}

fn fix_for(slug: Slug) -> String {
    match slug {
        Slug::NullOriginAllowed => "remove `null`; give sandboxed or file: pages a real origin (serve them over https)".into(),
        Slug::InvalidOrigin => "write the origin exactly as the browser's Origin header shows it (DevTools, Network tab)".into(),
        Slug::BadWildcardPattern => "use a leading `*.` for subdomains (`https://*.example.com`) or `:*` for any port".into(),
        Slug::UnanchoredRegex => "use `https://*.example.com` for subdomains, or list the origins".into(),
        _ => "write the origin as scheme://host[:port], as the Origin header shows it".into(),
    }
}

fn host_of(rest: &str) -> &str {
    if rest.starts_with('[') {
        return rest.find(']').map_or(rest, |i| &rest[..=i]);
    }
    rest.split(':').next().unwrap_or(rest)
}

/// Whether every origin `b` allows is also allowed by `a`.
pub(in crate::policy) fn covers(a: &OriginEntry, b: &OriginEntry) -> bool {
    match (a, b) {
        (OriginEntry::Any, _) => true,
        (_, OriginEntry::Any) => false,
        (_, OriginEntry::Exact(o)) => a.allows(o),
        (OriginEntry::Exact(_), OriginEntry::Pattern(_)) => false,
        (OriginEntry::Pattern(pa), OriginEntry::Pattern(pb)) => pattern_covers(pa, pb),
    }
}

fn pattern_covers(a: &Pattern, b: &Pattern) -> bool {
    let port_ok = a.port == PortRule::Any || a.port == b.port;
    let host_ok = match (a.subdomains, b.subdomains) {
        (true, _) => {
            b.host
                .strip_suffix(&*a.host)
                .is_some_and(|l| l.ends_with('.'))
                || (b.subdomains && a.host == b.host)
        }
        (false, false) => a.host == b.host,
        (false, true) => false,
    };
    a.scheme == b.scheme && port_ok && host_ok
}
