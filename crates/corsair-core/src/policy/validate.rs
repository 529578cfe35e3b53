//! The rules a policy must pass: every route's effective policy (after the
//! stage, the route's own keys and `CORS_ORIGINS` are merged) is checked,
//! every problem reported with where it was written and how to fix it.

use std::collections::HashMap as StdMap;
use std::hash::Hash;

/// Fast hashing for the maps of one lint run (the keys are addresses and
/// flags of the document being read, no attacker chooses their hashes'
/// collisions beyond what the file's size bounds).
type HashMap<K, V> = StdMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

use crate::catalog::{Severity, Slug};
use crate::server::origin_set::{Pattern, PortRule};
use crate::server::route::{PathPattern, PolicySet};
use crate::server::{CorsPolicy, OriginSets};

use super::document::{Document, List, Located, Section};
use super::origin_entry::{analyze, is_loopback_host};
use super::problem::{edit_distance, Location, Problem};
use super::spec::{OriginEntry, PolicySpec};

/// What Chrome keeps a preflight answer for at most, in seconds.
pub const CHROME_MAX_AGE_CAP: i64 = 7200;
/// What Firefox keeps it for at most (and the largest value allowed here).
pub const FIREFOX_MAX_AGE_CAP: i64 = 86400;

/// Whether a stage's policy is what production serves (`None`: `[cors]` alone).
pub fn is_production(stage: Option<&str>) -> bool {
    match stage {
        None => true,
        Some(s) => matches!(s.to_ascii_lowercase().as_str(), "production" | "prod"),
    }
}

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

const REQUEST_ONLY: [&str; 8] = [
    "authorization",
    "cookie",
    "origin",
    "host",
    "referer",
    "access-control-request-method",
    "access-control-request-headers",
    "user-agent",
];

/// The policy of one route (or the default) with every key resolved.
struct Effective<'a> {
    /// `[cors]` or the route's path, for messages.
    label: String,
    at: Location,
    /// Where `[cors]` is: problems every route inherits are reported there once.
    root_at: Location,
    production: bool,
    /// The origins: the first list's items, then the second's, then the
    /// environment's (read on demand: most checks reuse a remembered result
    /// and never walk a long list).
    origins_parts: (Option<&'a List>, Option<&'a List>, &'a [Located<String>]),
    origins_list: Option<&'a List>,
    /// The lists `origins` was made of (own, or inherited and extra), by
    /// address: equal keys mean equal origins.
    origins_from: (bool, usize, usize),
    credentials: Option<&'a Located<bool>>,
    methods: Option<&'a List>,
    request_headers: Option<&'a List>,
    expose_headers: Option<&'a List>,
    max_age: Option<&'a Located<i64>>,
    local_network: Option<&'a Located<bool>>,
    debug: Option<&'a Located<bool>>,
    shadow: Option<&'a Located<bool>>,
}

fn pick<'a, T>(
    layers: &[&'a Section],
    get: impl Fn(&'a Section) -> Option<&'a T>,
) -> Option<&'a T> {
    layers.iter().rev().find_map(|s| get(s))
}

fn effective<'a>(
    base: &'a Section,
    stage: Option<&'a Section>,
    route: Option<&'a Section>,
    env: &'a [Located<String>],
    production: bool,
) -> Effective<'a> {
    let mut layers = vec![base];
    layers.extend(stage);
    layers.extend(route);
    let own_origins = route.and_then(|r| r.origins.as_ref());
    let address = |l: Option<&List>| list_address(l).unwrap_or(0);
    let (origins_parts, origins_list, origins_from) = match own_origins {
        Some(list) => (
            (Some(list), None, &[][..]),
            Some(list),
            (true, address(Some(list)), 0),
        ),
        None => {
            let inherited = stage
                .and_then(|s| s.origins.as_ref())
                .or(base.origins.as_ref());
            let extra = stage.and_then(|s| s.extra_origins.as_ref());
            (
                (inherited, extra, env),
                inherited.or(extra),
                (false, address(inherited), address(extra)),
            )
        }
    };
    let label = match route.and_then(|r| r.path.as_ref()) {
        Some(p) => format!("route `{}`", p.value),
        None if route.is_some() => "a route".to_owned(),
        None => "[cors]".to_owned(),
    };
    let at = route
        .or(stage)
        .and_then(|s| s.at.clone())
        .or_else(|| base.at.clone())
        .unwrap_or(Location::Nowhere);
    Effective {
        label,
        at,
        root_at: base.at.clone().unwrap_or(Location::Nowhere),
        production,
        origins_parts,
        origins_list,
        origins_from,
        credentials: pick(&layers, |s| s.credentials.as_ref()),
        methods: pick(&layers, |s| s.methods.as_ref()),
        request_headers: pick(&layers, |s| s.request_headers.as_ref()),
        expose_headers: pick(&layers, |s| s.expose_headers.as_ref()),
        max_age: pick(&layers, |s| s.max_age.as_ref()),
        local_network: pick(&layers, |s| s.local_network.as_ref()),
        debug: pick(&layers, |s| s.debug.as_ref()),
        shadow: pick(&layers, |s| s.shadow.as_ref()),
    }
}

impl<'a> Effective<'a> {
    /// The origins, in order.
    fn origins(&self) -> impl Iterator<Item = &'a Located<String>> + 'a {
        let (first, second, env) = self.origins_parts;
        let items = |l: Option<&'a List>| l.map_or(&[][..], |l| l.value.as_slice());
        items(first).iter().chain(items(second)).chain(env)
    }

    fn no_origins(&self) -> bool {
        self.origins().next().is_none()
    }
}

fn value(flag: Option<&Located<bool>>) -> bool {
    flag.is_some_and(|f| f.value)
}

/// What an origin list's check depends on: ((own list?, list, extra list),
/// credentials, production).
type OriginsKey = ((bool, usize, usize), bool, bool);

/// A list's checked values and how many errors checking it found.
type Done<T> = (Arc<[T]>, usize);

/// The list checks done so far, by the lists they read (their addresses in
/// the document) and the flags they depend on. A route or a stage that
/// inherits a list reuses the result, and its problems (already reported)
/// are not reported again: without this, every route checked every
/// inherited origin again, in every stage, and a large policy took cubic time.
#[derive(Default)]
struct Memo {
    origins: HashMap<OriginsKey, Done<OriginEntry>>,
    /// One origin entry by (its address, credentials, production): its
    /// analysis and how many errors it had.
    entries: HashMap<(usize, bool, bool), (Option<OriginEntry>, usize)>,
    methods: HashMap<usize, Done<String>>,
    request_headers: HashMap<usize, Done<String>>,
    /// By (list, credentials).
    expose_headers: HashMap<(usize, bool), Done<String>>,
}

struct Checker<'m> {
    problems: Vec<Problem>,
    /// How many of `problems` are errors.
    errors: usize,
    /// Errors of remembered checks reused (reported before, not again).
    inherited: usize,
    memo: &'m mut Memo,
    /// Whether remembered lists keep their values (for compiling); `corsair
    /// lint` needs only their errors, and keeping every stage's union of a
    /// long origin list would hold it once per stage.
    keep: bool,
}

/// A list by its address in the document: lists inherited by several
/// routes and stages are the same list.
fn list_address(list: Option<&List>) -> Option<usize> {
    list.map(|l| l as *const List as usize)
}

impl Checker<'_> {
    fn push(&mut self, slug: Slug, at: &Location, message: String, fix: String) {
        let problem = Problem::new(slug, at.clone(), message, fix);
        self.errors += usize::from(problem.severity == Severity::Error);
        self.problems.push(problem);
    }

    /// `run`'s result, or the one remembered under `key` in `table` (its
    /// errors then added to `self.inherited`). No key, no memory.
    fn memoized<K: Hash + Eq, T>(
        &mut self,
        table: fn(&mut Memo) -> &mut HashMap<K, Done<T>>,
        key: Option<K>,
        run: impl FnOnce(&mut Self) -> Vec<T>,
    ) -> Arc<[T]> {
        if let Some((value, errors)) = key.as_ref().and_then(|k| table(self.memo).get(k)) {
            self.inherited += errors;
            return value.clone();
        }
        let before = self.errors;
        let value: Arc<[T]> = run(self).into();
        if let Some(k) = key {
            let errors = self.errors - before;
            let kept = if self.keep {
                value.clone()
            } else {
                Arc::from([])
            };
            table(self.memo).insert(k, (kept, errors));
        }
        value
    }

    fn push_sev(
        &mut self,
        slug: Slug,
        severity: Severity,
        at: &Location,
        message: String,
        fix: String,
    ) {
        let problem = Problem::new(slug, at.clone(), message, fix).with_severity(severity);
        self.errors += usize::from(problem.severity == Severity::Error);
        self.problems.push(problem);
    }

    fn check(&mut self, eff: &Effective<'_>) -> Option<PolicySpec> {
        let before = (self.errors, self.inherited);
        let credentials = value(eff.credentials);
        // An empty list's problem names the route: never shared.
        let key = (!eff.no_origins()).then_some((eff.origins_from, credentials, eff.production));
        let origins = self.memoized(|m| &mut m.origins, key, |c| c.origins(eff, credentials));
        let methods = self.memoized(
            |m| &mut m.methods,
            list_address(eff.methods),
            |c| c.methods(eff),
        );
        let request_headers = self.memoized(
            |m| &mut m.request_headers,
            list_address(eff.request_headers),
            |c| c.request_headers(eff),
        );
        let expose_headers = self.memoized(
            |m| &mut m.expose_headers,
            list_address(eff.expose_headers).map(|a| (a, credentials)),
            |c| c.expose_headers(eff, credentials),
        );
        let max_age = self.max_age(eff);
        let local_network = value(eff.local_network);
        if local_network && origins.contains(&OriginEntry::Any) {
            let at = eff.local_network.map_or(eff.at.clone(), |l| l.at.clone());
            self.push_sev(
                Slug::LocalNetworkAccess,
                Severity::Warning,
                &at,
                format!("{}: `local-network = true` with origin `*` lets any website on the Internet reach this private-network service", eff.label),
                "list the origins that may reach it instead of `*`".into(),
            );
        }
        for (flag, what) in [(eff.debug, "debug"), (eff.shadow, "shadow")] {
            if let Some(f) = flag.filter(|f| f.value && eff.production) {
                let why = if what == "debug" {
                    "tells every refused origin exactly what the policy allows"
                } else {
                    "enforces nothing: every origin gets through"
                };
                self.push(
                    Slug::DebugInProduction,
                    &f.at,
                    format!("`{what} = true` in the production policy {why}"),
                    format!(
                        "move `{what} = true` to a [stages.development] or [stages.staging] table"
                    ),
                );
            }
        }
        ((self.errors, self.inherited) == before).then(|| PolicySpec {
            origins,
            credentials,
            methods,
            request_headers,
            expose_headers,
            max_age,
            local_network,
            debug: value(eff.debug),
            shadow: value(eff.shadow),
        })
    }

    /// Reports a list item that is not a token; returns whether it is one.
    fn token(&mut self, item: &Located<String>, slug: Slug, what: &str, example: &str) -> bool {
        let text = item.value.as_str();
        if crate::grammar::is_token(text) {
            return true;
        }
        let alone = text.split(':').next().unwrap_or(text).trim();
        let alone = if crate::grammar::is_token(alone) {
            alone
        } else {
            example
        };
        self.push(
            slug,
            &item.at,
            format!("`{text}` is not {what} (a token: letters, digits, `-` and a few symbols, nothing else)"),
            format!("write the name alone, e.g. `\"{alone}\"`"),
        );
        false
    }

    fn origins(&mut self, eff: &Effective<'_>, credentials: bool) -> Vec<OriginEntry> {
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
        let covered = super::overlap::first_covering(&refs, covers);
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

    fn methods(&mut self, eff: &Effective<'_>) -> Vec<String> {
        let Some(list) = eff.methods else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &list.value {
            let m = item.value.as_str();
            if m == "*" {
                out.push(m.to_owned());
                continue;
            }
            if !self.token(item, Slug::InvalidMethod, "a method name", "PUT") {
                continue;
            }
            if crate::method::is_forbidden(m) {
                self.push(
                    Slug::ForbiddenMethod,
                    &item.at,
                    format!("`{m}`: browsers refuse to send CONNECT, TRACE and TRACK"),
                    format!("remove `{m}`"),
                );
                continue;
            }
            let normalized = crate::method::normalize(m);
            if normalized != m {
                self.push(
                    Slug::MethodCase,
                    &item.at,
                    format!("`{m}`: browsers upper-case this method and compare case-sensitively, so `{m}` never matches"),
                    format!("write `\"{normalized}\"`"),
                );
                continue;
            }
            let upper = m.to_ascii_uppercase();
            if upper != m && ["PATCH"].contains(&upper.as_str()) {
                self.push_sev(
                    Slug::MethodCase,
                    Severity::Warning,
                    &item.at,
                    format!("`{m}`: fetch() sends this method exactly as the page writes it, and nearly every page writes `{upper}`"),
                    format!("write `\"{upper}\"` (list both if some code really sends `{m}`)"),
                );
            }
            if crate::method::is_safelisted(m) {
                self.push(
                    Slug::SafelistedListed,
                    &item.at,
                    format!("`{m}` needs no listing: browsers allow GET, HEAD and POST whatever the preflight says"),
                    format!("remove `{m}` (harmless)"),
                );
            } else if let Some(near) = ["DELETE", "PATCH", "PUT", "OPTIONS", "GET", "POST", "HEAD"]
                .into_iter()
                .find(|s| edit_distance(&upper, s) == 1 && upper != *s && upper.len() > 2)
            {
                self.push_sev(
                    Slug::InvalidMethod,
                    Severity::Warning,
                    &item.at,
                    format!("`{m}` is not a standard method; it looks like a typo of `{near}`"),
                    format!("did you mean `\"{near}\"`?"),
                );
            }
            out.push(m.to_owned());
        }
        out
    }

    fn request_headers(&mut self, eff: &Effective<'_>) -> Vec<String> {
        let Some(list) = eff.request_headers else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let star = list.value.iter().find(|i| i.value == "*");
        for item in &list.value {
            let h = item.value.as_str();
            if h == "*" {
                out.push(h.to_owned());
                continue;
            }
            if !self.token(
                item,
                Slug::InvalidHeaderName,
                "a header name",
                "x-request-id",
            ) {
                continue;
            }
            let lower = h.to_ascii_lowercase();
            if lower.starts_with("access-control-") {
                self.push(
                    Slug::CorsHeaderAsRequestHeader,
                    &item.at,
                    format!("`{h}` is a response header: a page that sends it has copied server code into the frontend"),
                    format!("remove `{h}` here and from the page's request"),
                );
                continue;
            }
            if crate::request_headers::is_forbidden(h, "", crate::profile::Profile::Chrome) {
                self.push(
                    Slug::ForbiddenRequestHeader,
                    &item.at,
                    format!("`{h}` is set by the browser itself; pages cannot set it, so it is never requested"),
                    format!("remove `{h}`"),
                );
                continue;
            }
            out.push(h.to_owned());
        }
        if let Some(star) = star {
            let lists_auth = list
                .value
                .iter()
                .any(|i| i.value.eq_ignore_ascii_case("authorization"));
            if !lists_auth {
                self.push_sev(
                    Slug::WildcardAuthorization,
                    Severity::Info,
                    &star.at,
                    "`*` allows every request header except Authorization, which browsers never let a wildcard cover".into(),
                    "add `\"authorization\"` if the page sends it".into(),
                );
            }
        }
        out
    }

    fn expose_headers(&mut self, eff: &Effective<'_>, credentials: bool) -> Vec<String> {
        let Some(list) = eff.expose_headers else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &list.value {
            let h = item.value.as_str();
            let lower = h.to_ascii_lowercase();
            if h == "*" {
                if credentials {
                    self.push(
                        Slug::WildcardExposeWithCredentials,
                        &item.at,
                        "`*` in `expose-headers` is a literal name on credentialed requests: nothing is exposed".into(),
                        "list the headers the page reads, e.g. `[\"etag\", \"link\"]`".into(),
                    );
                    continue;
                }
            } else if !self.token(item, Slug::InvalidHeaderName, "a header name", "etag") {
                continue;
            } else if lower == "set-cookie" || lower == "set-cookie2" {
                self.push(
                    Slug::ExposeSetCookie,
                    &item.at,
                    format!("`{h}` is never readable by page script, exposed or not"),
                    format!("remove `{h}`; read the state the cookie carries from the response body instead"),
                );
                continue;
            } else if REQUEST_ONLY.contains(&lower.as_str()) {
                self.push(
                    Slug::InvalidHeaderName,
                    &item.at,
                    format!("`{h}` is a request header; responses do not carry it"),
                    format!("remove `{h}` (did you mean to put it in `request-headers`?)"),
                );
                continue;
            } else if crate::browser::is_safelisted_response_header(&lower) {
                self.push(
                    Slug::SafelistedListed,
                    &item.at,
                    format!("`{h}` is always readable; it needs no exposing"),
                    format!("remove `{h}` (harmless)"),
                );
                continue;
            }
            out.push(h.to_owned());
        }
        out
    }

    fn max_age(&mut self, eff: &Effective<'_>) -> Option<i64> {
        let Some(age) = eff.max_age else {
            self.push(
                Slug::PreflightNotCached,
                &eff.root_at,
                "no `max-age`: Chrome keeps a preflight answer 5 seconds, so nearly every call is preceded by a preflight".into(),
                "add `max-age = 7200` (Chrome's cap)".into(),
            );
            return None;
        };
        match age.value {
            n if n < -1 => {
                self.push(
                    Slug::InvalidValue,
                    &age.at,
                    format!("`max-age = {n}` is negative"),
                    "use a number of seconds (7200 is Chrome's cap), or -1 to forbid caching"
                        .into(),
                );
                None
            }
            // Refused, as jub0bs/cors does: a value this large is usually a
            // unit slip (milliseconds), and no browser would honour it.
            n if n > FIREFOX_MAX_AGE_CAP => {
                self.push_sev(
                    Slug::MaxAgeOverCap,
                    Severity::Error,
                    &age.at,
                    format!("`max-age = {n}` is more than any browser keeps (Firefox {FIREFOX_MAX_AGE_CAP} s, Chrome {CHROME_MAX_AGE_CAP} s)"),
                    format!("use `max-age = {CHROME_MAX_AGE_CAP}`"),
                );
                Some(FIREFOX_MAX_AGE_CAP)
            }
            n if n > CHROME_MAX_AGE_CAP => {
                self.push(
                    Slug::MaxAgeOverCap,
                    &age.at,
                    format!("`max-age = {n}`: Chrome keeps preflight answers {CHROME_MAX_AGE_CAP} s at most (Firefox {FIREFOX_MAX_AGE_CAP} s)"),
                    format!("`max-age = {CHROME_MAX_AGE_CAP}` says what Chrome will do"),
                );
                Some(n)
            }
            0 => {
                self.push(
                    Slug::PreflightNotCached,
                    &age.at,
                    "`max-age = 0` sends no Access-Control-Max-Age: browsers use their default (5 s)".into(),
                    "use `max-age = 7200`, or -1 to forbid caching outright".into(),
                );
                Some(0)
            }
            n => Some(n),
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
pub(super) fn covers(a: &OriginEntry, b: &OriginEntry) -> bool {
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

/// The result of checking a policy for one stage.
#[derive(Debug)]
pub struct Checked {
    /// Every problem, in file order.
    pub problems: Vec<Problem>,
    /// The compiled policies, when there is no error.
    pub policies: Option<PolicySet>,
    /// The plain policies (default first, then routes), when there is no error.
    pub specs: Vec<PolicySpec>,
}

impl Checked {
    /// Whether any problem is an error.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Checks and compiles the policy `stage` gets (`None`: the `[cors]` table
/// alone, which is what production serves).
pub fn check(doc: &Document, env: &[Located<String>], stage: Option<&str>) -> Checked {
    check_in(doc, env, stage, &mut Memo::default(), true)
}

/// [`check`], remembering list checks in `memo` (shared by the stages
/// `corsair lint` checks one after another), compiling only if `compile`.
fn check_in(
    doc: &Document,
    env: &[Located<String>],
    stage: Option<&str>,
    memo: &mut Memo,
    compile: bool,
) -> Checked {
    let mut checker = Checker {
        problems: Vec::new(),
        errors: 0,
        inherited: 0,
        memo,
        keep: compile,
    };
    let stage_section = match stage {
        None => None,
        Some(name) => match doc.stages.iter().find(|(n, _)| n.value == name) {
            Some((_, s)) => Some(s),
            // `--stage production` without a `[stages.production]` table:
            // production is what `[cors]` alone says.
            None if is_production(Some(name)) => None,
            None => {
                let known: Vec<&str> = doc.stages.iter().map(|(n, _)| n.value.as_str()).collect();
                let fix = match known.iter().min_by_key(|k| edit_distance(name, k)) {
                    Some(k) if edit_distance(name, k) <= 2 => format!("did you mean `{k}`?"),
                    _ if known.is_empty() => {
                        "add a `[stages.NAME]` table, or choose no stage".into()
                    }
                    _ => format!("choose one of: {}", known.join(", ")),
                };
                checker.push(
                    Slug::UnknownStage,
                    &Location::Nowhere,
                    format!("there is no stage `{name}` in the policy file"),
                    fix,
                );
                return finish(checker, None, Vec::new());
            }
        },
    };
    let production = is_production(stage);
    let base = effective(&doc.cors, stage_section, None, env, production);
    let default = checker.check(&base);
    let mut routes = Vec::new();
    let mut earlier: Vec<(PathPattern, &str)> = Vec::new();
    for route in &doc.routes {
        let eff = effective(&doc.cors, stage_section, Some(route), env, production);
        let spec = checker.check(&eff);
        let pattern = match &route.path {
            None => {
                checker.push(
                    Slug::BadRoutePath,
                    route.at.as_ref().unwrap_or(&Location::Nowhere),
                    "a [[routes]] entry has no `path`".into(),
                    "add `path = \"/api/**\"` (the paths this policy is for)".into(),
                );
                None
            }
            Some(path) => match PathPattern::parse(&path.value) {
                Ok(p) => {
                    if let Some((_, winner)) = earlier.iter().find(|(e, _)| p.covered_by(e)) {
                        checker.push(
                            Slug::UnreachableRoute,
                            &path.at,
                            format!("route `{}` is never used: the earlier route `{winner}` matches all its paths first", path.value),
                            "move it above the broader route (the first match wins)".into(),
                        );
                    }
                    earlier.push((p.clone(), &path.value));
                    Some(p)
                }
                Err(e) => {
                    checker.push(
                        Slug::BadRoutePath,
                        &path.at,
                        format!("`{}`: {e}", path.value),
                        "write it like `/api/**`, `/users/*/avatar` or `/health`".into(),
                    );
                    None
                }
            },
        };
        if let (Some(p), Some(s)) = (pattern, spec) {
            routes.push((p, s));
        }
    }
    let ok = checker.errors == 0 && compile;
    let result = match (ok, default) {
        (true, Some(default)) => {
            // Routes that inherit the origin list share one compiled set.
            let mut sets = OriginSets::default();
            let set = PolicySet::new(
                CorsPolicy::sharing(&default, &mut sets),
                routes
                    .iter()
                    .map(|(p, s)| (p.clone(), CorsPolicy::sharing(s, &mut sets)))
                    .collect(),
            );
            let mut specs = vec![default];
            specs.extend(routes.into_iter().map(|(_, s)| s));
            return finish(checker, Some(set), specs);
        }
        _ => None,
    };
    finish(checker, result, Vec::new())
}

fn finish(
    mut checker: Checker<'_>,
    policies: Option<PolicySet>,
    specs: Vec<PolicySpec>,
) -> Checked {
    dedupe(&mut checker.problems);
    Checked {
        problems: checker.problems,
        policies,
        specs,
    }
}

fn dedupe(problems: &mut Vec<Problem>) {
    let mut seen = std::collections::HashSet::new();
    problems.retain(|p| seen.insert((p.slug, p.location.clone(), p.message.clone())));
}

/// Checks the production policy and every stage's, for `corsair lint`:
/// each problem once, tagged with the stage it first shows in (in the order
/// found; [`super::lint_text`] sorts them by place).
pub fn lint(doc: &Document, env: &[Located<String>], stage: Option<&str>) -> Vec<Problem> {
    // A list checked for one stage is not checked again for the next: its
    // problems are already reported, with the first stage that shows them.
    let mut memo = Memo::default();
    let mut all = check_in(doc, env, stage, &mut memo, false).problems;
    if stage.is_none() {
        for (name, _) in &doc.stages {
            for mut p in check_in(doc, env, Some(&name.value), &mut memo, false).problems {
                p.stage = Some(name.value.clone());
                all.push(p);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    all.retain(|p| seen.insert((p.slug, p.location.clone(), p.message.clone())));
    all
}
