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
use crate::messages::{chrome, firefox, Place};
use crate::method;
use crate::origin::{is_trustworthy_url, same_origin_urls, Origin};
use crate::profile::Profile;
use crate::request_headers::{self, SentHeader};
use crate::response_headers::{combined, first, has};
use crate::scenario::{
    Answer, CredentialsMode, Initiator, Page, RequestMode, Scenario, ScenarioError,
};
use crate::verdict::{
    Blocked, Console, Missing, Outcome, Preflight, SentRequest, Stage, Step, Verdict,
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

/// The most redirects a fetch follows.
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
        let page = match &self.last_page {
            Some((text, page)) if *text == scenario.page_origin => page.clone(),
            _ => {
                let page = Page::parse(&scenario.page_origin)?;
                self.last_page = Some((scenario.page_origin.clone(), page.clone()));
                page
            }
        };
        let url = scenario.prepare_request()?;
        let quiet = Options { steps: false };
        // Each console line is that browser's own, so where the browsers'
        // paths can part, the other browser's line comes from its own run.
        let (chrome_line, firefox_line) = match self.profile {
            Profile::Chrome if involves_redirect(scenario) => (
                None,
                Some(
                    evaluate(scenario, Profile::Firefox, page.clone(), url.clone(), quiet)
                        .console
                        .firefox,
                ),
            ),
            Profile::Chrome => (None, None),
            Profile::Firefox => (
                Some(
                    evaluate(scenario, Profile::Chrome, page.clone(), url.clone(), quiet)
                        .console
                        .chrome,
                ),
                None,
            ),
            Profile::Spec => (
                Some(
                    evaluate(scenario, Profile::Chrome, page.clone(), url.clone(), quiet)
                        .console
                        .chrome,
                ),
                Some(
                    evaluate(scenario, Profile::Firefox, page.clone(), url.clone(), quiet)
                        .console
                        .firefox,
                ),
            ),
        };
        let mut verdict = evaluate(scenario, self.profile, page, url, self.options);
        if let Some(line) = chrome_line {
            verdict.console.chrome = line;
        }
        if let Some(line) = firefox_line {
            verdict.console.firefox = line;
        }
        Ok(verdict)
    }
}

/// One walk through the exchange with one browser's rules.
fn evaluate(
    scenario: &Scenario,
    profile: Profile,
    page: Page,
    url: Url,
    options: Options,
) -> Verdict {
    let mut run = Run::new(scenario, profile, page, url, options);
    let end = run.go();
    run.finish(end)
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
    Incomplete { stage: Stage, url: String },
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
    finding: Finding,
}

struct Run<'a> {
    s: &'a Scenario,
    options: Options,
    profile: Profile,
    page_origin: Origin,
    /// The page's URL when the scenario gives one, else its origin's root.
    page_url: String,
    initial_url: Url,
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
    findings: Vec<Finding>,
    preflight_passed: bool,
    /// Whether a preflight was needed at the first URL (Firefox then sends
    /// one at every redirect target too).
    preflighted: bool,
}

impl<'a> Run<'a> {
    fn new(s: &'a Scenario, profile: Profile, page: Page, url: Url, options: Options) -> Run<'a> {
        let Page {
            origin: page_origin,
            url: page_url,
        } = page;
        Run {
            s,
            options,
            profile,
            page_url,
            page_origin,
            initial_url: url.clone(),
            urls: vec![url.to_string()],
            url,
            method: String::new(),
            headers: Vec::new(),
            dropped: Vec::new(),
            include: s.request.credentials == CredentialsMode::Include,
            tainted: false,
            tainting: Tainting::Basic,
            steps: Vec::new(),
            first_preflight: Preflight::default(),
            findings: Vec::new(),
            preflight_passed: false,
            preflighted: false,
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
        let url = self.url.to_string();
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
        let spaces = chrome::Spaces::default();
        self.block_at(
            stage,
            error,
            parameter,
            reason,
            firefox_reason,
            finding,
            spaces,
        )
    }

    /// A Local Network Access failure: its message names address spaces.
    fn cors_block_with_spaces(
        &self,
        stage: Stage,
        error: CorsError,
        reason: String,
        finding: Finding,
        spaces: chrome::Spaces,
    ) -> End<'a> {
        self.block_at(stage, error, "", reason, None, finding, spaces)
    }

    #[allow(clippy::too_many_arguments)] // One constructor for every CORS failure.
    fn block_at(
        &self,
        stage: Stage,
        error: CorsError,
        parameter: &str,
        reason: String,
        firefox_reason: Option<firefox::Reason<'_>>,
        finding: Finding,
        spaces: chrome::Spaces,
    ) -> End<'a> {
        let (url, from) = self.place();
        let place = Place {
            initiator: self.s.request.initiator,
            url: &url,
            redirected_from: from.as_deref(),
            page_origin: self.page_origin.serialized(),
        };
        End::Blocked(Box::new(Block {
            stage,
            cors_error: Some(error),
            parameter: parameter.to_owned(),
            chrome: Some(chrome::line(error, parameter, &place, spaces)),
            firefox: firefox_reason.map(|r| firefox::line(&r, &url)),
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
            url: self.url.to_string(),
            reason,
            chrome,
            firefox: None,
            finding,
        }))
    }

    fn go(&mut self) -> End<'a> {
        if let Err(end) = self.build_request() {
            return end;
        }
        let s = self.s;
        let mut preflight_answer: Option<&'a Answer> = s.preflight.as_ref();
        let mut response_answer: Option<&'a Answer> = s.response.as_ref();
        let mut redirects = 0usize;
        loop {
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
            if self.tainting == Tainting::Cors {
                let is_first = self.urls.len() == 1;
                if let Err(end) = self.maybe_preflight(preflight_answer, is_first) {
                    return end;
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
                    url: self.url.to_string(),
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
            }
            let Some(location) = location else {
                return End::Delivered {
                    answer,
                    tainting: self.tainting,
                };
            };
            // A redirect: follow it as the browser does.
            redirects += 1;
            let next = match self.redirect(location, answer.status, redirects) {
                Ok(url) => url,
                Err(end) => return end,
            };
            self.url = next;
            self.urls.push(self.url.to_string());
            let Some(next_hop) = answer.next.as_deref() else {
                step!(
                    self,
                    Stage::Redirect,
                    None,
                    format!("The scenario has no answers at {}.", self.url)
                );
                return End::Incomplete {
                    stage: Stage::Redirect,
                    url: self.url.to_string(),
                };
            };
            preflight_answer = next_hop.preflight.as_ref();
            response_answer = next_hop.response.as_ref();
        }
    }

    /// Method normalization, header filtering, and the checks made before
    /// anything is sent.
    fn build_request(&mut self) -> Result<(), End<'a>> {
        let req = &self.s.request;
        let api = match req.initiator {
            Initiator::Fetch => "Failed to execute 'fetch' on 'Window'",
            Initiator::Xhr => "Failed to execute 'open' on 'XMLHttpRequest'",
        };
        if !method::is_valid(&req.method) {
            let reason = format!("{api}: '{}' is not a valid HTTP method.", req.method);
            return Err(self.refused(reason));
        }
        self.method = method::normalize(&req.method);
        if method::is_forbidden(&self.method) {
            let reason = format!("{api}: '{}' HTTP method is unsupported.", self.method);
            return Err(self.refused(reason));
        }
        if req.mode == RequestMode::NoCors && !method::is_safelisted(&self.method) {
            let reason = format!("{api}: '{}' is unsupported in no-cors mode.", self.method);
            return Err(self.refused(reason));
        }
        let mut sent: Vec<SentHeader> = Vec::new();
        for (name, value) in &req.headers {
            let value = normalize_header_value(value);
            if !is_token(name) || !is_valid_header_value(value) {
                let what = if is_token(name) { value } else { name.as_str() };
                let kind = if is_token(name) { "value" } else { "name" };
                let api = match req.initiator {
                    Initiator::Fetch => "Failed to execute 'fetch' on 'Window'",
                    Initiator::Xhr => "Failed to execute 'setRequestHeader' on 'XMLHttpRequest'",
                };
                return Err(self.refused(format!(
                    "{api}: '{what}' is not a valid HTTP header field {kind}."
                )));
            }
            if request_headers::is_forbidden(name, value, self.profile) {
                self.dropped.push((
                    name.clone(),
                    "a forbidden request header: only the browser sets it".into(),
                ));
                continue;
            }
            if req.mode == RequestMode::NoCors
                && !request_headers::is_no_cors_safelisted(name, value, self.profile)
            {
                self.dropped
                    .push((name.clone(), "not allowed on a no-cors request".into()));
                continue;
            }
            let lower = name.to_ascii_lowercase();
            match sent.iter_mut().find(|h| h.name == lower) {
                Some(h) => {
                    h.value.push_str(", ");
                    h.value.push_str(value);
                }
                None => sent.push(SentHeader {
                    name: lower,
                    value: value.to_owned(),
                }),
            }
        }
        self.headers = self.wire_order(sent);
        let cors_request_headers: Vec<&str> = self
            .headers
            .iter()
            .filter(|h| h.name.starts_with("access-control-"))
            .map(|h| h.name.as_str())
            .collect();
        if !cors_request_headers.is_empty() {
            self.findings
                .push(findings::cors_headers_in_request(&cors_request_headers));
        }
        let scheme = self.url.scheme();
        if !matches!(scheme, "http" | "https") && !self.page_origin.contains_url(&self.url) {
            let line = format!(
                "Fetch API cannot load {}. URL scheme \"{scheme}\" is not supported.",
                self.url
            );
            return Err(self.plain_block(
                Stage::Request,
                line.clone(),
                Some(line),
                findings::scheme_not_supported(scheme),
            ));
        }
        if self.page_origin.scheme() == Some("https") && !is_trustworthy_url(&self.url) {
            let line = format!(
                "Mixed Content: The page at '{}' was loaded over HTTPS, but requested an insecure resource '{}'. This request has been blocked; the content must be served over HTTPS.",
                self.page_url, self.url
            );
            return Err(self.plain_block(
                Stage::Request,
                line.clone(),
                Some(line),
                findings::mixed_content(&self.url),
            ));
        }
        if let Some(spaces) = &self.s.address_space {
            if let Some(declared) = spaces.declared.filter(|d| *d != spaces.target) {
                let reason = format!(
                    "The request declared the {} address space, but the server is in the {} address space.",
                    declared.name(),
                    spaces.target.name()
                );
                let f = findings::local_network_access(spaces.page, spaces.target);
                let spaces = chrome::Spaces {
                    resource: Some(spaces.target),
                    target: Some(declared),
                };
                return Err(self.cors_block_with_spaces(
                    Stage::Request,
                    CorsError::InvalidLocalNetworkAccess,
                    reason,
                    f,
                    spaces,
                ));
            }
            let more_private = spaces.target < spaces.page;
            if more_private && !spaces.permission_granted && req.mode != RequestMode::NoCors {
                let reason = format!(
                    "A page in the {} address space may not reach the {} address space without the user's permission.",
                    spaces.page.name(),
                    spaces.target.name()
                );
                let f = findings::local_network_access(spaces.page, spaces.target);
                let spaces = chrome::Spaces {
                    resource: Some(spaces.target),
                    target: None,
                };
                return Err(self.cors_block_with_spaces(
                    Stage::Request,
                    CorsError::LocalNetworkAccessPermissionDenied,
                    reason,
                    f,
                    spaces,
                ));
            }
        }
        Ok(())
    }

    /// A same-origin-mode request redirected to another origin: the loader
    /// refuses it as an unsafe load, which is not reported as a CORS error.
    fn unsafe_redirect_block(&self) -> End<'a> {
        let line = format!(
            "Unsafe attempt to load URL {} from frame with URL {}. Domains, protocols and ports must match.\n",
            self.url, self.page_url
        );
        let reason = format!(
            "The request mode is \"same-origin\" and it was redirected to {}, another origin.",
            self.url
        );
        self.plain_block(
            Stage::Redirect,
            reason,
            Some(line),
            findings::mode_disallows(&self.url),
        )
    }

    /// The headers in the order the browser's request carries them, which is
    /// the order Chrome checks them against Access-Control-Allow-Headers (so it
    /// decides which refused header Chrome names). Chrome's is the iteration
    /// order of Blink's header hash map; the standard's is sorted.
    fn wire_order(&self, mut sent: Vec<SentHeader>) -> Vec<SentHeader> {
        if self.profile != Profile::Chrome {
            sent.sort_by(|a, b| a.name.cmp(&b.name));
            return sent;
        }
        if sent.len() < 2 {
            return sent;
        }
        let names: Vec<&str> = sent.iter().map(|h| h.name.as_str()).collect();
        let initiator = match self.s.request.initiator {
            Initiator::Fetch => blink_order::Initiator::Fetch,
            Initiator::Xhr => blink_order::Initiator::Xhr,
        };
        // Blink adds client hints to requests for potentially trustworthy URLs.
        let blink = blink_order::BlinkKeys {
            client_hints: is_trustworthy_url(&self.url),
        };
        let order = blink_order::request_order(&names, initiator, blink);
        let mut slots: Vec<Option<SentHeader>> = sent.into_iter().map(Some).collect();
        let mut out: Vec<SentHeader> = order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take))
            .collect();
        // Every name is distinct, so none is left; keep any that were, to lose nothing.
        out.extend(slots.into_iter().flatten());
        out
    }

    fn mode_block(&self) -> End<'a> {
        let line = format!(
            "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
            self.url, self.page_origin
        );
        End::Blocked(Box::new(Block {
            stage: Stage::Request,
            cors_error: Some(CorsError::DisallowedByMode),
            parameter: String::new(),
            url: self.url.to_string(),
            reason: "The request mode is \"same-origin\" and the URL is on another origin.".into(),
            chrome: Some(line),
            firefox: None,
            finding: findings::mode_disallows(&self.url),
        }))
    }

    fn access_check(&self, headers: &[(String, String)], origin: &str) -> Result<(), AccessError> {
        cors_check::check(headers, origin, self.include, self.profile)
    }

    /// The Origin a preflight carries: Firefox sends the page's even after a
    /// redirect has made the request's own Origin `null`.
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
        self.cors_block(stage, error, &e.parameter, reason, ff_reason, finding)
    }

    /// Sends the preflight when one is needed and checks its answer.
    fn maybe_preflight(
        &mut self,
        answer: Option<&'a Answer>,
        is_first: bool,
    ) -> Result<(), End<'a>> {
        let unsafe_names = request_headers::unsafe_names(&self.headers, self.profile);
        let method_safe = method::is_safelisted(&self.method);
        let mut required = !method_safe || !unsafe_names.is_empty();
        if is_first {
            self.preflighted = required;
        } else if self.profile == Profile::Firefox && self.preflighted {
            // Observed in Firefox ESR 153: a preflighted request is preflighted
            // again at every redirect target, even when it no longer needs it.
            required = true;
        }
        if !required {
            if is_first {
                self.first_preflight = Preflight::default();
            }
            step!(
                self,
                Stage::Preflight,
                None,
                "No preflight: the method and every header are CORS-safelisted.".into()
            );
            return Ok(());
        }
        // The reasons and the request headers are reported for the first
        // preflight and told in the story; otherwise they need not be built.
        if is_first || self.options.steps {
            let reasons = self.preflight_reasons(&unsafe_names, method_safe);
            let mut request_headers = vec![(
                "Access-Control-Request-Method".to_owned(),
                self.method.clone(),
            )];
            if let Some(acrh) = request_headers::access_control_request_headers(&unsafe_names) {
                request_headers.push(("Access-Control-Request-Headers".to_owned(), acrh));
            }
            step!(self, Stage::Preflight, None, {
                let sent: Vec<String> = request_headers
                    .iter()
                    .map(|(n, v)| format!("{n}: {v}"))
                    .collect();
                format!(
                    "Preflight OPTIONS {} with Origin: {}, {} — because {}.",
                    self.url,
                    self.preflight_origin(),
                    sent.join(", "),
                    reasons.join("; ")
                )
            });
            if is_first {
                self.first_preflight = Preflight {
                    required,
                    reasons,
                    request_headers,
                    cache_seconds: None,
                };
            }
        }
        let Some(answer) = answer else {
            step!(
                self,
                Stage::Preflight,
                None,
                "The scenario has no answer to the preflight.".into()
            );
            return Err(End::Incomplete {
                stage: Stage::Preflight,
                url: self.url.to_string(),
            });
        };
        step!(
            self,
            Stage::Preflight,
            None,
            format!("The preflight was answered {}.", answer.status)
        );
        // A preflight is never followed: a real redirect fails it outright.
        // Chrome refuses the redirect before any check; Firefox runs the
        // CORS check first.
        let redirected = matches!(answer.status, 301 | 302 | 303 | 307 | 308)
            && has(&answer.headers, "location");
        if redirected && self.profile != Profile::Firefox {
            return Err(self.preflight_redirect_block(answer));
        }
        if let Err(e) = self.access_check(&answer.headers, self.preflight_origin()) {
            step!(
                self,
                Stage::Preflight,
                Some(false),
                "The preflight's CORS check failed.".into()
            );
            return Err(self.access_block(
                Stage::Preflight,
                e,
                answer,
                true,
                self.preflight_origin(),
            ));
        }
        step!(
            self,
            Stage::Preflight,
            Some(true),
            format!("CORS check passed for origin {}.", self.preflight_origin())
        );
        if redirected {
            return Err(self.preflight_redirect_block(answer));
        }
        if !(200..=299).contains(&answer.status) {
            step!(
                self,
                Stage::Preflight,
                Some(false),
                format!("Status {} is not an ok status (200-299).", answer.status)
            );
            return Err(self.cors_block(
                Stage::Preflight,
                CorsError::PreflightInvalidStatus,
                "",
                format!("The preflight was answered {}, not 2xx.", answer.status),
                Some(firefox::Reason::PreflightDidNotSucceed(answer.status)),
                findings::preflight_status(answer.status),
            ));
        }
        let acam = combined(&answer.headers, "access-control-allow-methods");
        let acah = combined(&answer.headers, "access-control-allow-headers");
        let methods = self.parse_allow_list(AllowList::Methods, acam.as_deref().unwrap_or(""))?;
        let allowed_headers =
            self.parse_allow_list(AllowList::Headers, acah.as_deref().unwrap_or(""))?;
        // Methods compare case-sensitively; `*` counts only without credentials.
        let method_ok = method_safe
            || methods.contains(&self.method.as_str())
            || (!self.include && methods.contains(&"*"));
        if !method_ok {
            step!(
                self,
                Stage::Preflight,
                Some(false),
                format!(
                    "Method {} is not in Access-Control-Allow-Methods.",
                    self.method
                )
            );
            return Err(self.cors_block(
                Stage::Preflight,
                CorsError::MethodDisallowedByPreflightResponse,
                &self.method,
                format!(
                    "Method {} is not in Access-Control-Allow-Methods ({}).",
                    self.method,
                    acam.as_deref().unwrap_or("absent")
                ),
                Some(firefox::Reason::MethodNotFound),
                findings::method_not_allowed(&self.method, acam.as_deref(), self.include),
            ));
        }
        step!(
            self,
            Stage::Preflight,
            Some(true),
            format!("Method {} is allowed.", self.method)
        );
        let lower: Vec<String> = allowed_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let wildcard = !self.include && lower.iter().any(|h| h == "*");
        let has_auth = self.headers.iter().any(|h| h.name == "authorization");
        let auth_listed = lower.iter().any(|h| h == "authorization");
        let mut refused: Option<&str> = None;
        if wildcard {
            if has_auth && !auth_listed {
                if self.profile.wildcard_covers_authorization() {
                    self.findings.push(findings::wildcard_authorization());
                } else {
                    refused = Some("authorization");
                }
            }
        } else {
            refused = unsafe_names
                .iter()
                .map(String::as_str)
                .find(|n| !lower.iter().any(|h| h == n));
        }
        if let Some(name) = refused {
            step!(
                self,
                Stage::Preflight,
                Some(false),
                format!("Request header {name} is not in Access-Control-Allow-Headers.")
            );
            let name = name.to_owned();
            // Firefox names the first refused header in sorted order; Chrome
            // the first in its header map's order.
            let firefox_name = if wildcard {
                name.clone()
            } else {
                unsafe_names
                    .iter()
                    .filter(|n| !lower.iter().any(|h| h == *n))
                    .min()
                    .cloned()
                    .unwrap_or_else(|| name.clone())
            };
            return Err(self.cors_block(
                Stage::Preflight,
                CorsError::HeaderDisallowedByPreflightResponse,
                &name,
                format!(
                    "Request header {name} is not in Access-Control-Allow-Headers ({}).",
                    acah.as_deref().unwrap_or("absent")
                ),
                Some(firefox::Reason::MissingAllowHeader(&firefox_name)),
                findings::header_not_allowed(&name, acah.as_deref(), self.include),
            ));
        }
        step!(
            self,
            Stage::Preflight,
            Some(true),
            "Every request header is allowed.".into()
        );
        let max_age = combined(&answer.headers, "access-control-max-age");
        let seconds = findings::cache_seconds(max_age.as_deref(), self.profile);
        if is_first {
            self.first_preflight.cache_seconds = Some(seconds);
        }
        match max_age.as_deref() {
            None => self.findings.push(findings::preflight_not_cached()),
            Some(v) => {
                if let (Ok(n), Some(cap)) = (v.parse::<i64>(), self.profile.max_age_cap()) {
                    if n > i64::from(cap) {
                        self.findings
                            .push(findings::max_age_over_cap(n, cap, self.profile));
                    }
                }
            }
        }
        self.preflight_passed = true;
        Ok(())
    }

    /// A preflight answered with a redirect.
    fn preflight_redirect_block(&mut self, answer: &Answer) -> End<'a> {
        let location = first(&answer.headers, "location").unwrap_or("");
        step!(
            self,
            Stage::Preflight,
            Some(false),
            format!("The preflight was redirected to {location}; browsers never follow a preflight redirect.")
        );
        self.cors_block(
            Stage::Preflight,
            CorsError::PreflightDisallowedRedirect,
            "",
            format!(
                "The preflight answer is a {} redirect to {location}.",
                answer.status
            ),
            Some(firefox::Reason::ExternalRedirectNotAllowed),
            findings::preflight_redirect(answer.status, location),
        )
    }

    /// Parses the preflight's Allow-Methods or Allow-Headers; a list that is
    /// not all tokens fails the preflight.
    fn parse_allow_list<'v>(
        &self,
        list: AllowList,
        value: &'v str,
    ) -> Result<Vec<&'v str>, End<'a>> {
        allow_list::parse(value).map_err(|token| {
            let (error, name, what, reason) = match list {
                AllowList::Methods => (
                    CorsError::InvalidAllowMethodsPreflightResponse,
                    "Methods",
                    "a method",
                    firefox::Reason::InvalidAllowMethod(token),
                ),
                AllowList::Headers => (
                    CorsError::InvalidAllowHeadersPreflightResponse,
                    "Headers",
                    "a header-name",
                    firefox::Reason::InvalidAllowHeader(token),
                ),
            };
            self.cors_block(
                Stage::Preflight,
                error,
                "",
                format!("Access-Control-Allow-{name} has {token:?}, which is not {what} token."),
                Some(reason),
                findings::unparsable(list == AllowList::Methods, value, token),
            )
        })
    }

    /// Why the request needs a preflight, one reason each.
    fn preflight_reasons(&self, unsafe_names: &[String], method_safe: bool) -> Vec<String> {
        let mut reasons = Vec::with_capacity(unsafe_names.len() + 1);
        if !method_safe {
            reasons.push(format!("method {} is not CORS-safelisted", self.method));
        }
        let safelisted =
            |h: &SentHeader| request_headers::is_safelisted(&h.name, &h.value, self.profile);
        let safelisted_total: usize = self
            .headers
            .iter()
            .filter(|h| safelisted(h))
            .map(|h| h.value.chars().count())
            .sum();
        for name in unsafe_names {
            let Some(header) = self.headers.iter().find(|h| &h.name == name) else {
                continue;
            };
            reasons.push(if safelisted(header) {
                format!("header {name} is safelisted, but the safelisted values total {safelisted_total} bytes, over 1024")
            } else {
                findings::unsafe_header_reason(name, &header.value)
            });
        }
        reasons
    }

    /// Follows a redirect to `location`; returns the next URL.
    fn redirect(&mut self, location: &str, status: u16, count: usize) -> Result<Url, End<'a>> {
        let next = match self.url.join(location) {
            Ok(u) => u,
            Err(e) => {
                let reason = format!("The Location {location:?} is not a valid URL ({e}).");
                return Err(self.plain_block(
                    Stage::Redirect,
                    reason.clone(),
                    None,
                    findings::not_a_cors_error(&reason),
                ));
            }
        };
        if count > MAX_REDIRECTS {
            let reason =
                format!("More than {MAX_REDIRECTS} redirects (net::ERR_TOO_MANY_REDIRECTS).");
            let finding = findings::not_a_cors_error(&reason);
            let mut end = self.plain_block(Stage::Redirect, reason, None, finding);
            // Firefox still logs its generic CORS line for the last URL it fetched.
            if let End::Blocked(block) = &mut end {
                block.firefox = Some(firefox::line(
                    &firefox::Reason::DidNotSucceed,
                    self.url.as_str(),
                ));
            }
            return Err(end);
        }
        if !matches!(next.scheme(), "http" | "https") {
            if self.tainting == Tainting::Cors {
                return Err(self.cors_block(
                    Stage::Redirect,
                    CorsError::CorsDisabledScheme,
                    "",
                    format!(
                        "The redirect goes to a {} URL; CORS requests only follow http and https.",
                        next.scheme()
                    ),
                    Some(firefox::Reason::RequestNotHttp),
                    findings::scheme_not_supported(next.scheme()),
                ));
            }
            let reason = format!("The redirect goes to a {} URL.", next.scheme());
            return Err(self.plain_block(
                Stage::Redirect,
                reason.clone(),
                None,
                findings::not_a_cors_error(&reason),
            ));
        }
        let has_userinfo = !next.username().is_empty() || next.password().is_some();
        if has_userinfo
            && (self.tainting == Tainting::Cors
                || (self.s.request.mode == RequestMode::Cors
                    && !self.page_origin.contains_url(&next)))
        {
            return Err(self.cors_block(
                Stage::Redirect,
                CorsError::RedirectContainsCredentials,
                "",
                format!("The redirect to {next} carries a user name or password."),
                Some(firefox::Reason::DidNotSucceed),
                findings::redirect_with_credentials(&next),
            ));
        }
        let cross_hop = !same_origin_urls(&self.url, &next);
        if cross_hop && !self.page_origin.contains_url(&self.url) && !self.tainted {
            self.tainted = true;
            step!(self,
                Stage::Redirect,
                None,
                "The redirect leaves a cross-origin URL for another origin: from now on the request's Origin is \"null\".".into(),
            );
        }
        let to_get = (status == 303 && self.method != "GET" && self.method != "HEAD")
            || (matches!(status, 301 | 302) && self.method == "POST");
        if to_get {
            self.method = "GET".into();
            self.headers.retain(|h| {
                !matches!(
                    h.name.as_str(),
                    "content-type" | "content-encoding" | "content-language" | "content-location"
                )
            });
        }
        if cross_hop {
            self.headers.retain(|h| h.name != "authorization");
        }
        step!(
            self,
            Stage::Redirect,
            None,
            format!(
                "{status} redirect to {next}{}.",
                if to_get {
                    " (the method becomes GET)"
                } else {
                    ""
                }
            ),
        );
        Ok(next)
    }

    fn finish(mut self, end: End<'a>) -> Verdict {
        let cross_origin = !self.page_origin.contains_url(&self.initial_url);
        let origin = (cross_origin || !matches!(self.method.as_str(), "GET" | "HEAD"))
            .then(|| self.page_origin.serialized().to_owned());
        let request = SentRequest {
            method: std::mem::take(&mut self.method),
            origin,
            headers: std::mem::take(&mut self.headers)
                .into_iter()
                .map(|h| (h.name, h.value))
                .collect(),
            dropped_headers: std::mem::take(&mut self.dropped),
        };
        let mut missing = None;
        let (outcome, blocked, console, readable, status) = match end {
            End::Delivered { answer, tainting } => {
                let readable = self.readable_headers(answer, tainting);
                let outcome = match tainting {
                    Tainting::Basic => Outcome::SameOrigin,
                    Tainting::Cors => Outcome::Allowed,
                    Tainting::Opaque => Outcome::Opaque,
                };
                if tainting == Tainting::Cors {
                    self.response_warnings(answer, &readable);
                }
                let status = (tainting != Tainting::Opaque).then_some(answer.status);
                let text = match outcome {
                    Outcome::SameOrigin => "Same-origin request: CORS does not apply; the page reads the response.".to_owned(),
                    Outcome::Opaque => "no-cors request: it is sent, but the page gets an opaque response (status 0, no headers, no body).".to_owned(),
                    _ => format!("The page can read the response (status {}).", answer.status),
                };
                step!(self, Stage::Response, Some(true), text);
                (outcome, None, Console::default(), readable, status)
            }
            End::Blocked(b) => {
                let b = *b;
                self.findings.insert(0, b.finding);
                let blocked = Blocked {
                    stage: b.stage,
                    cors_error: b.cors_error,
                    failed_parameter: b.parameter,
                    url: b.url,
                    reason: b.reason,
                };
                let console = Console {
                    chrome: b.chrome,
                    firefox: b.firefox,
                };
                (Outcome::Blocked, Some(blocked), console, Vec::new(), None)
            }
            End::Incomplete { stage, url } => {
                missing = Some(Missing { stage, url });
                (
                    Outcome::Incomplete,
                    None,
                    Console::default(),
                    Vec::new(),
                    None,
                )
            }
        };
        Verdict {
            browser: self.profile,
            cross_origin,
            preflight: self.first_preflight,
            outcome,
            blocked,
            missing,
            console,
            readable_response_headers: readable,
            status,
            findings: self.findings,
            request,
            urls: self.urls,
            steps: self.steps,
        }
    }

    /// The response headers the page can read.
    fn readable_headers(&self, answer: &Answer, tainting: Tainting) -> Vec<String> {
        let exposed_value = combined(&answer.headers, "access-control-expose-headers");
        let exposed: Vec<String> = allow_list::parse(exposed_value.as_deref().unwrap_or(""))
            .unwrap_or_default()
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let star = !self.include && exposed.iter().any(|h| h == "*");
        let mut names: Vec<String> = answer
            .headers
            .iter()
            .map(|(n, _)| n.to_ascii_lowercase())
            .filter(|n| n != "set-cookie" && n != "set-cookie2")
            .filter(|n| match tainting {
                Tainting::Basic => true,
                Tainting::Opaque => false,
                Tainting::Cors => star || is_safelisted_response_header(n) || exposed.contains(n),
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    fn response_warnings(&mut self, answer: &Answer, readable: &[String]) {
        for name in &self.s.read_headers {
            let lower = name.to_ascii_lowercase();
            if !readable.contains(&lower) {
                let present = has(&answer.headers, &lower);
                self.findings
                    .push(findings::header_not_exposed(name, present, self.include));
            }
        }
        let acao = combined(&answer.headers, "access-control-allow-origin");
        if let Some(acao) = acao.as_deref() {
            if acao != "*" {
                let vary = combined(&answer.headers, "vary").unwrap_or_default();
                let varies = vary
                    .split(',')
                    .map(str::trim)
                    .any(|v| v == "*" || v.eq_ignore_ascii_case("origin"));
                if !varies {
                    self.findings.push(findings::missing_vary_origin(acao));
                }
            }
            if acao == "null" {
                self.findings.push(findings::null_origin_allowed());
            }
        }
        if self.include && self.url.scheme() == "https" && self.page_origin.scheme() == Some("http")
        {
            self.findings.push(findings::insecure_origin_trusted(
                self.page_origin.serialized(),
            ));
        }
    }
}

/// Response headers a cross-origin page can always read.
pub fn is_safelisted_response_header(lower_name: &str) -> bool {
    matches!(
        lower_name,
        "cache-control"
            | "content-language"
            | "content-length"
            | "content-type"
            | "expires"
            | "last-modified"
            | "pragma"
    )
}
