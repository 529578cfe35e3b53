//! The browser model: what Chrome (or Firefox, or the standard) does with a
//! cross-origin request, step by step, given the server's answers.

use url::Url;

use crate::allow_list;
use crate::blink_order;
use crate::catalog::Finding;
use crate::cors_check::{self, AccessError};
use crate::cors_error::CorsError;
use crate::findings;
use crate::grammar::{is_token, is_valid_header_value, normalize_header_value};
use crate::messages::{chrome, firefox, safari, Place};
use crate::method;
use crate::origin::{is_trustworthy_url, same_origin_urls, Origin};
use crate::profile::Profile;
use crate::request_headers::{self, SentHeader};
use crate::response_headers::{combined, first, has};
use crate::scenario::{
    Answer, CredentialsMode, Initiator, Page, RequestMode, Scenario, ScenarioError,
};
use crate::verdict::{
    Blocked, Console, EngineEnd, Engines, Missing, Outcome, Outgoing, Preflight, SentRequest,
    Stage, Step, Verdict,
};

/// Records a step of the story; the text is only built when steps are wanted.
macro_rules! step {
    ($run:expr, $stage:expr, $passed:expr, $text:expr $(,)?) => {
        if $run.options.steps {
            let text: String = $text;
            $run.steps.push(Step {
                stage: $stage,
                passed: $passed,
                text,
            });
        }
    };
}

// After the macro: `macro_rules!` is visible to the modules declared below it.
mod outcome;
mod preflight;
mod redirect;
mod request;

pub use outcome::is_safelisted_response_header;

/// The most redirects a fetch follows.
/// (Fetch §4.4 HTTP-redirect fetch: a 21st redirect is a network error.)
pub const MAX_REDIRECTS: usize = 20;

/// What to produce besides the verdict.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Tell the story step by step ([`Verdict::steps`]); off saves the work.
    pub steps: bool,
}

/// Explains what the browser does with `scenario`, with the step-by-step story.
pub fn explain(scenario: &Scenario, profile: Profile) -> Result<Verdict, ScenarioError> {
    explain_with(scenario, profile, Options { steps: true })
}

/// Explains what the browser does with `scenario`.
pub fn explain_with(
    scenario: &Scenario,
    profile: Profile,
    options: Options,
) -> Result<Verdict, ScenarioError> {
    Explainer::new(profile, options).explain(scenario)
}

/// Explains many scenarios in a row: the page's parsed origin is reused while
/// consecutive scenarios come from the same page (batches usually do).
#[derive(Debug)]
pub struct Explainer {
    profile: Profile,
    options: Options,
    last_page: Option<(String, Page)>,
}

impl Explainer {
    /// An explainer for one browser profile.
    pub fn new(profile: Profile, options: Options) -> Explainer {
        Explainer {
            profile,
            options,
            last_page: None,
        }
    }

    /// Explains one scenario.
    pub fn explain(&mut self, scenario: &Scenario) -> Result<Verdict, ScenarioError> {
        let cached = match self.last_page.take() {
            Some((text, page)) if text == scenario.page_origin => (text, page),
            _ => (
                scenario.page_origin.clone(),
                Page::parse(&scenario.page_origin)?,
            ),
        };
        let page = &self.last_page.insert(cached).1;
        let url = &scenario.prepare_request()?;
        let quiet = Options { steps: false };
        let mut verdict = evaluate(scenario, self.profile, page, url, self.options);
        // Each console line is that browser's own: where the browsers' rules
        // can part, the other browser's line comes from its own run. An
        // engine not run ends as this run does (that is why it is not run).
        let chrome = (self.profile != Profile::Chrome)
            .then(|| evaluate(scenario, Profile::Chrome, page, url, quiet));
        // One pass over the request's headers serves both questions below.
        let classes = HeaderClasses::of(scenario);
        let firefox_may_part = match self.profile {
            Profile::Firefox => false,
            Profile::Spec | Profile::Safari => true,
            Profile::Chrome => firefox_may_part(scenario, &verdict, classes),
        };
        let firefox =
            firefox_may_part.then(|| evaluate(scenario, Profile::Firefox, page, url, quiet));
        // WebKit's lines come from a run with WebKit's rules where its path
        // can part from this run's; elsewhere this run already wrote them.
        let safari_may_part = match self.profile {
            Profile::Safari => false,
            Profile::Chrome => safari_may_part_from_chrome(scenario, &verdict, classes),
            Profile::Firefox | Profile::Spec => safari_may_part(scenario, &verdict, classes),
        };
        let safari = safari_may_part.then(|| evaluate(scenario, Profile::Safari, page, url, quiet));
        let main = EngineEnd::of(&verdict);
        let engines = Engines::compare(
            chrome.as_ref().map_or(main, EngineEnd::of),
            firefox.as_ref().map_or(main, EngineEnd::of),
            safari.as_ref().map_or(main, EngineEnd::of),
        );
        verdict.engines = engines;
        if let Some(v) = chrome {
            verdict.console.chrome = v.console.chrome;
        }
        if let Some(v) = firefox {
            verdict.console.firefox = v.console.firefox;
        }
        if let Some(v) = safari {
            verdict.console.safari = v.console.safari;
        }
        Ok(verdict)
    }
}

/// One walk through the exchange with one browser's rules.
fn evaluate(
    scenario: &Scenario,
    profile: Profile,
    page: &Page,
    url: &Url,
    options: Options,
) -> Verdict {
    let mut run = Run::new(scenario, profile, page, url, options);
    let end = run.go();
    run.finish(end)
}

/// Whether Firefox's path through `scenario` can differ from Chrome's
/// (`chrome`, Chrome's verdict), so that Firefox's console line must come
/// from a run with Firefox's rules: a redirect anywhere (Firefox preflights
/// again, checks a redirected preflight's CORS headers first, skips the check
/// back at the page's origin); an unparsable Allow-Headers (Firefox checks
/// the method before parsing it); a request header the two browsers classify
/// differently (forbidden, or CORS-safelisted). Elsewhere their checks run
/// in the same order and Chrome's run already carries Firefox's line.
fn firefox_may_part(scenario: &Scenario, chrome: &Verdict, classes: HeaderClasses) -> bool {
    let unparsable_allow_headers = chrome
        .blocked
        .as_ref()
        .is_some_and(|b| b.cors_error == Some(CorsError::InvalidAllowHeadersPreflightResponse));
    involves_redirect(scenario) || unparsable_allow_headers || classes.firefox_parts
}

/// Whether WebKit's path through `scenario` can differ from the one that
/// gave `verdict`: anything but an allowed request that needed no
/// preflight, followed no redirect, and whose headers WebKit classifies as
/// Chrome does (an XHR that set a forbidden header also makes WebKit log).
fn safari_may_part(scenario: &Scenario, verdict: &Verdict, classes: HeaderClasses) -> bool {
    !matches!(verdict.outcome, Outcome::Allowed | Outcome::SameOrigin)
        || verdict.preflight.required
        || involves_redirect(scenario)
        || !verdict.request.dropped_headers.is_empty()
        || classes.safari_parts
}

/// Whether WebKit's path through `scenario` can differ from Chrome's (whose
/// verdict is `chrome`): a redirect anywhere (WebKit preflights again with
/// the first request's headers, words refused redirects its own way); a
/// preflight answered outside 200-299 (WebKit checks the status first);
/// address spaces (WebKit has no Local Network Access); a request header
/// the two classify differently; an XHR that set a
/// forbidden header (WebKit logs it). Elsewhere Chrome's run takes the same
/// path, and writes WebKit's lines with WebKit's own check of the answer
/// and WebKit's order among refused headers.
fn safari_may_part_from_chrome(
    scenario: &Scenario,
    chrome: &Verdict,
    classes: HeaderClasses,
) -> bool {
    let preflight_not_ok = chrome.preflight.required
        && scenario
            .preflight
            .as_ref()
            .is_some_and(|p| !(200..=299).contains(&p.status));
    involves_redirect(scenario)
        || preflight_not_ok
        || scenario.address_space.is_some()
        || (scenario.request.initiator == Initiator::Xhr
            && !chrome.request.dropped_headers.is_empty())
        || classes.safari_parts
}

/// Whether Firefox and WebKit each disagree with Chrome on whether any of
/// the request's headers (with repeated names combined, as the browsers
/// send them) is forbidden or CORS-safelisted.
#[derive(Clone, Copy, Debug, Default)]
struct HeaderClasses {
    firefox_parts: bool,
    safari_parts: bool,
}

impl HeaderClasses {
    /// Both answers in one pass over the combined headers.
    fn of(scenario: &Scenario) -> HeaderClasses {
        let mut parts = HeaderClasses::default();
        if scenario.request.headers.is_empty() {
            return parts;
        }
        let headers = &scenario.request.headers;
        let mut add = |name: &str, value: &str| {
            if !request_headers::class_may_differ(name) {
                return;
            }
            let class = |p: Profile| {
                (
                    request_headers::is_forbidden(name, value, p),
                    request_headers::is_safelisted(name, value, p),
                )
            };
            let chrome = class(Profile::Chrome);
            parts.firefox_parts |= class(Profile::Firefox) != chrome;
            parts.safari_parts |= class(Profile::Safari) != chrome;
        };
        // Names are rarely repeated: then each header stands as set, and
        // nothing needs combining (or allocating). Past a few headers the
        // combiner's index keeps this linear.
        let repeated = headers.len() > 16
            || headers
                .iter()
                .enumerate()
                .any(|(i, (a, _))| headers[..i].iter().any(|(b, _)| a.eq_ignore_ascii_case(b)));
        if repeated {
            let mut combined = request_headers::Combiner::default();
            for (name, value) in headers {
                combined.add(name, crate::grammar::normalize_header_value(value));
            }
            for SentHeader { name, value } in combined.finish() {
                add(&name, &value);
            }
        } else {
            for (name, value) in headers {
                add(name, crate::grammar::normalize_header_value(value));
            }
        }
        parts
    }
}

/// Whether any answer is a redirect status: there Chrome and Firefox part
/// ways (Firefox preflights again after redirects, and checks a redirected
/// preflight's CORS headers first).
fn involves_redirect(scenario: &Scenario) -> bool {
    fn answer(a: Option<&Answer>) -> bool {
        a.is_some_and(|a| {
            (300..=399).contains(&a.status)
                || a.next
                    .as_deref()
                    .is_some_and(|n| answer(n.preflight.as_ref()) || answer(n.response.as_ref()))
        })
    }
    answer(scenario.preflight.as_ref()) || answer(scenario.response.as_ref())
}

/// How the walk through the exchange ended.
enum End<'a> {
    /// The page gets the response (`cors`, `basic` or opaque).
    Delivered {
        answer: &'a Answer,
        tainting: Tainting,
    },
    /// Blocked.
    Blocked(Box<Block>),
    /// An answer is missing from the scenario.
    Incomplete {
        stage: Stage,
        url: String,
        request: Option<Outgoing>,
    },
}

/// The two token lists of a preflight answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AllowList {
    Methods,
    Headers,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tainting {
    Basic,
    Cors,
    Opaque,
}

struct Block {
    stage: Stage,
    cors_error: Option<CorsError>,
    parameter: String,
    url: String,
    reason: String,
    chrome: Option<String>,
    firefox: Option<String>,
    /// WebKit's lines; only a run with WebKit's rules fills them.
    safari: Vec<String>,
    finding: Finding,
}

impl End<'_> {
    /// The end with WebKit's lines for it.
    fn with_safari(mut self, lines: Vec<String>) -> Self {
        if let End::Blocked(b) = &mut self {
            b.safari = lines;
        }
        self
    }
}

struct Run<'a> {
    s: &'a Scenario,
    options: Options,
    profile: Profile,
    page_origin: &'a Origin,
    /// The page's URL when the scenario gives one, else its origin's root.
    page_url: &'a str,
    initial_url: &'a Url,
    url: Url,
    method: String,
    headers: Vec<SentHeader>,
    dropped: Vec<(String, String)>,
    include: bool,
    tainted: bool,
    tainting: Tainting,
    urls: Vec<String>,
    steps: Vec<Step>,
    first_preflight: Preflight,
    /// Whether `first_preflight` holds the first preflight decision yet.
    preflight_recorded: bool,
    findings: Vec<Finding>,
    preflight_passed: bool,
    /// Whether a preflight was needed at the first URL (Firefox then sends
    /// one at every redirect target too; WebKit once any hop needed one).
    preflighted: bool,
    /// Lines WebKit logs while building the request (XHR's refused headers).
    safari_notes: Vec<String>,
    /// Whether redirect responses are checked again as with credentials
    /// (WebKit, for a `same-origin` request that started at the page's
    /// origin).
    redirects_with_credentials: bool,
}

impl<'a> Run<'a> {
    fn new(
        s: &'a Scenario,
        profile: Profile,
        page: &'a Page,
        url: &'a Url,
        options: Options,
    ) -> Run<'a> {
        let Page {
            origin: page_origin,
            url: page_url,
        } = page;
        // WebKitGTK checks the redirect responses of a `same-origin`
        // request that started at the page's origin a second time, as if it
        // carried credentials, once the next hop's preflight (if any) has
        // passed; its preflights and final response are checked without
        // (observed).
        let redirects_with_credentials = profile == Profile::Safari
            && s.request.credentials == CredentialsMode::SameOrigin
            && page_origin.contains_url(url);
        Run {
            s,
            options,
            profile,
            page_url,
            page_origin,
            initial_url: url,
            urls: vec![url.as_str().to_owned()],
            url: url.clone(),
            method: String::new(),
            headers: Vec::new(),
            dropped: Vec::new(),
            include: s.request.credentials == CredentialsMode::Include,
            redirects_with_credentials,
            tainted: false,
            tainting: Tainting::Basic,
            steps: Vec::new(),
            first_preflight: Preflight::default(),
            preflight_recorded: false,
            findings: Vec::new(),
            preflight_passed: false,
            preflighted: false,
            safari_notes: Vec::new(),
        }
    }

    /// The `Origin` the request carries now: `null` once tainted by a redirect.
    fn origin_sent(&self) -> &str {
        if self.tainted {
            "null"
        } else {
            self.page_origin.serialized()
        }
    }

    fn place(&self) -> (String, Option<String>) {
        let url = self.url.as_str().to_owned();
        let from = (self.urls.len() > 1).then(|| self.initial_url.to_string());
        (url, from)
    }

    /// A CORS failure at the current URL, in both browsers' words.
    fn cors_block(
        &self,
        stage: Stage,
        error: CorsError,
        parameter: &str,
        reason: String,
        firefox_reason: Option<firefox::Reason<'_>>,
        finding: Finding,
    ) -> End<'a> {
        let (url, from) = self.place();
        let place = Place {
            initiator: self.s.request.initiator,
            url: &url,
            redirected_from: from.as_deref(),
            page_origin: self.page_origin.serialized(),
        };
        // Local Network Access messages name the address spaces.
        let spaces = self
            .s
            .address_space
            .as_ref()
            .map_or_else(chrome::Spaces::default, |a| chrome::Spaces {
                resource: Some(a.target),
                target: a.declared,
            });
        End::Blocked(Box::new(Block {
            stage,
            cors_error: Some(error),
            parameter: parameter.to_owned(),
            chrome: Some(chrome::line(error, parameter, &place, spaces)),
            firefox: firefox_reason.map(|r| firefox::line(&r, &url)),
            safari: Vec::new(),
            url,
            reason,
            finding,
        }))
    }

    /// The browser throws before sending anything (an invalid request).
    fn refused(&self, reason: String) -> End<'a> {
        let finding = findings::invalid_request(&reason);
        self.plain_block(Stage::Request, reason, None, finding)
    }

    /// A failure that is not a CORS check: nothing in CDP's `corsErrorStatus`.
    fn plain_block(
        &self,
        stage: Stage,
        reason: String,
        chrome: Option<String>,
        finding: Finding,
    ) -> End<'a> {
        End::Blocked(Box::new(Block {
            stage,
            cors_error: None,
            parameter: String::new(),
            url: self.url.as_str().to_owned(),
            reason,
            chrome,
            firefox: None,
            safari: Vec::new(),
            finding,
        }))
    }

    /// WebKit's two lines for a failure at the current URL (right where
    /// WebKit's path is this run's; elsewhere a WebKit run replaces them).
    fn safari_lines(&self, reason: &safari::Reason<'_>) -> Vec<String> {
        safari::lines(reason, self.s.request.initiator, self.url.as_str())
    }

    fn go(&mut self) -> End<'a> {
        if let Err(end) = self.build_request() {
            return end;
        }
        let s = self.s;
        let mut preflight_answer: Option<&'a Answer> = s.preflight.as_ref();
        let mut response_answer: Option<&'a Answer> = s.response.as_ref();
        let mut redirects = 0usize;
        // WebKitGTK's second check of a redirect response, with credentials
        // (see `redirects_with_credentials`): made once the next hop's
        // preflight, if any, has passed.
        let mut recheck: Option<(&'a Answer, Url, String)> = None;
        loop {
            // Fetch §4.1 Main fetch: same origin is basic; mode "same-origin"
            // fails, "no-cors" is opaque, "cors" goes through CORS.
            let same_origin = self.page_origin.contains_url(&self.url);
            if !same_origin || self.tainting == Tainting::Cors {
                match self.s.request.mode {
                    RequestMode::SameOrigin if self.urls.len() > 1 => {
                        return self.unsafe_redirect_block()
                    }
                    RequestMode::SameOrigin => return self.mode_block(),
                    RequestMode::NoCors => self.tainting = Tainting::Opaque,
                    RequestMode::Cors => self.tainting = Tainting::Cors,
                }
            }
            // Fetch §4.3 HTTP fetch: the CORS-preflight fetch (§4.7) when needed.
            if self.tainting == Tainting::Cors {
                let is_first = self.urls.len() == 1;
                if let Err(end) = self.maybe_preflight(preflight_answer, is_first) {
                    return end;
                }
            }
            if let Some((previous, url, origin)) = recheck.take() {
                if let Err(e) = cors_check::check(&previous.headers, &origin, true, self.profile) {
                    // Told as the redirect's failure, at the URL that sent it.
                    self.url = url;
                    self.include = true;
                    return self.access_block(Stage::Response, e, previous, false, &origin);
                }
            }
            let Some(answer) = response_answer else {
                step!(
                    self,
                    Stage::Response,
                    None,
                    format!(
                        "The scenario has no answer for the {} request to {}.",
                        self.method, self.url
                    )
                );
                return End::Incomplete {
                    stage: Stage::Response,
                    url: self.url.as_str().to_owned(),
                    request: Some(self.outgoing_request()),
                };
            };
            step!(
                self,
                Stage::Response,
                None,
                format!("{} {} answered {}.", self.method, self.url, answer.status),
            );
            let location = match answer.status {
                301 | 302 | 303 | 307 | 308 => first(&answer.headers, "location"),
                _ => None,
            };
            // Fetch §4.3 HTTP fetch: the CORS check (§4.9) of every response,
            // a redirect's included.
            if self.tainting == Tainting::Cors {
                if let Err(e) = self.access_check(&answer.headers, self.origin_sent()) {
                    return self.access_block(
                        Stage::Response,
                        e,
                        answer,
                        false,
                        self.origin_sent(),
                    );
                }
                if location.is_some() && self.redirects_with_credentials && !self.include {
                    recheck = Some((answer, self.url.clone(), self.origin_sent().to_owned()));
                }
            }
            let Some(location) = location else {
                return End::Delivered {
                    answer,
                    tainting: self.tainting,
                };
            };
            // A redirect: follow it as the browser does (Fetch §4.4).
            redirects += 1;
            let next = match self.redirect(location, answer.status, redirects) {
                Ok(url) => url,
                Err(end) => return end,
            };
            self.url = next;
            self.urls.push(self.url.as_str().to_owned());
            let Some(next_hop) = answer.next.as_deref() else {
                step!(
                    self,
                    Stage::Redirect,
                    None,
                    format!("The scenario has no answers at {}.", self.url)
                );
                return End::Incomplete {
                    stage: Stage::Redirect,
                    url: self.url.as_str().to_owned(),
                    request: None,
                };
            };
            preflight_answer = next_hop.preflight.as_ref();
            response_answer = next_hop.response.as_ref();
        }
    }

    /// The request itself as sent now: the page's headers that survived,
    /// `Origin` when the request is under CORS (or not a GET/HEAD), and the
    /// fetch metadata Chrome adds.
    /// Fetch §4.5 HTTP-network-or-cache fetch ("append a request `Origin`
    /// header"); `Sec-Fetch-*` from Fetch Metadata.
    fn outgoing_request(&self) -> Outgoing {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        if !headers.iter().any(|(n, _)| n == "accept") {
            headers.push(("accept".into(), "*/*".into()));
        }
        let cors = self.tainting == Tainting::Cors;
        if cors || !matches!(self.method.as_str(), "GET" | "HEAD") {
            headers.push(("origin".into(), self.origin_sent().to_owned()));
        }
        let mode = match self.s.request.mode {
            RequestMode::Cors => "cors",
            RequestMode::NoCors => "no-cors",
            RequestMode::SameOrigin => "same-origin",
        };
        headers.push(("sec-fetch-mode".into(), mode.into()));
        headers.push(("sec-fetch-dest".into(), "empty".into()));
        let credentials = match self.s.request.credentials {
            CredentialsMode::Include => true,
            CredentialsMode::SameOrigin => {
                self.page_origin.contains_url(&self.url) && !self.tainted
            }
            CredentialsMode::Omit => false,
        };
        Outgoing {
            method: self.method.clone(),
            url: self.url.as_str().to_owned(),
            headers,
            credentials,
        }
    }

    /// The preflight as sent now: never with credentials.
    /// Fetch §4.7 CORS-preflight fetch.
    fn outgoing_preflight(&self, acrh: Option<String>) -> Outgoing {
        let mut headers = vec![
            ("accept".to_owned(), "*/*".to_owned()),
            (
                "access-control-request-method".to_owned(),
                self.method.clone(),
            ),
        ];
        if let Some(acrh) = acrh {
            headers.push(("access-control-request-headers".into(), acrh));
        }
        headers.push(("origin".into(), self.preflight_origin().to_owned()));
        headers.push(("sec-fetch-mode".into(), "cors".into()));
        headers.push(("sec-fetch-dest".into(), "empty".into()));
        Outgoing {
            method: "OPTIONS".into(),
            url: self.url.as_str().to_owned(),
            headers,
            credentials: false,
        }
    }

    /// Fetch §4.9 CORS check ([`cors_check::check`]).
    fn access_check(&self, headers: &[(String, String)], origin: &str) -> Result<(), AccessError> {
        cors_check::check(headers, origin, self.include, self.profile)
    }

    /// The Origin a preflight carries: Firefox sends the page's even after a
    /// redirect has made the request's own Origin `null`.
    /// (Firefox builds the preflight channel from the loading principal:
    /// `nsCORSListenerProxy::StartCORSPreflight`.)
    fn preflight_origin(&self) -> &str {
        if self.profile == Profile::Firefox {
            self.page_origin.serialized()
        } else {
            self.origin_sent()
        }
    }

    fn access_block(
        &self,
        stage: Stage,
        e: AccessError,
        answer: &Answer,
        preflight: bool,
        origin_sent: &str,
    ) -> End<'a> {
        let error = e.failure.cors_error(preflight);
        let ff =
            cors_check::check(&answer.headers, origin_sent, self.include, Profile::Firefox).err();
        let acao = combined(&answer.headers, "access-control-allow-origin").unwrap_or_default();
        let ff_reason = ff.map(|f| match f.failure {
            cors_check::AccessFailure::Missing => {
                firefox::Reason::MissingAllowOrigin(answer.status)
            }
            cors_check::AccessFailure::Multiple => firefox::Reason::MultipleAllowOrigin,
            cors_check::AccessFailure::Wildcard => firefox::Reason::NotSupportingCredentials,
            cors_check::AccessFailure::Credentials => firefox::Reason::MissingAllowCredentials,
            cors_check::AccessFailure::Invalid | cors_check::AccessFailure::Mismatch => {
                firefox::Reason::AllowOriginNotMatching(&acao)
            }
        });
        let ctx = findings::AccessContext {
            failure: e.failure,
            preflight,
            origin_sent,
            page_origin: self.page_origin.serialized(),
            value: &e.parameter,
            status: answer.status,
            headers: &answer.headers,
            tainted: self.tainted,
            preflight_passed: self.preflight_passed,
            method: &self.method,
        };
        let finding = findings::access_failure(&ctx);
        let reason = findings::access_reason(&ctx);
        // WebKit's own check of the same answer: it fails where this one
        // does (both compare the origin exactly), but may name it otherwise.
        let webkit = cors_check::check(&answer.headers, origin_sent, self.include, Profile::Safari)
            .err()
            .map_or(e.failure, |w| w.failure);
        let why = safari_access_reason(webkit, origin_sent, answer.status);
        // A refused redirect response names where it led
        // (NetworkLoadChecker::checkRedirection).
        let location = match answer.status {
            301 | 302 | 303 | 307 | 308 if !preflight => first(&answer.headers, "location"),
            _ => None,
        };
        let lines = match location.and_then(|l| self.next_url(l)) {
            Some(to) => self.safari_lines(&safari::Reason::Redirect {
                to: to.as_str(),
                why: Box::new(why),
            }),
            None => self.safari_lines(&why),
        };
        self.cors_block(stage, error, &e.parameter, reason, ff_reason, finding)
            .with_safari(lines)
    }
}

/// WebKit's words for a failed CORS check (`passesAccessControlCheck`).
fn safari_access_reason(
    failure: cors_check::AccessFailure,
    origin: &str,
    status: u16,
) -> safari::Reason<'_> {
    use cors_check::AccessFailure as F;
    match failure {
        F::Wildcard => safari::Reason::Wildcard,
        F::Multiple => safari::Reason::MultipleOrigins,
        F::Credentials => safari::Reason::CredentialsNotTrue,
        F::Missing | F::Invalid | F::Mismatch => {
            safari::Reason::OriginNotAllowed { origin, status }
        }
    }
}
