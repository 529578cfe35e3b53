//! The CORS-preflight: whether one is needed, what it carries, and the
//! checks on its answer.

use super::*;
use crate::names::NameSet;

impl<'a> Run<'a> {
    /// Sends the preflight when one is needed and checks its answer.
    /// Fetch §4.3 HTTP fetch decides, §4.7 CORS-preflight fetch checks;
    /// Chromium `PreflightController`, Firefox `nsCORSPreflightListener`.
    pub(super) fn maybe_preflight(
        &mut self,
        answer: Option<&'a Answer>,
        is_first: bool,
    ) -> Result<(), End<'a>> {
        // The verdict reports the first preflight decision of the request:
        // at its URL, or, for a request that starts same-origin, at the first
        // redirect target that puts it under CORS (Chrome preflights there).
        let record = !self.preflight_recorded;
        self.preflight_recorded = true;
        // Fetch §4.3 HTTP fetch: a preflight when the method is not
        // CORS-safelisted (§2.2.1) or CORS-unsafe header names (§2.2.2) remain.
        let unsafe_names = request_headers::unsafe_names(&self.headers, self.profile);
        let method_safe = method::is_safelisted(&self.method);
        let mut required = !method_safe || !unsafe_names.is_empty();
        if is_first {
            self.preflighted = required;
        } else if self.profile == Profile::Firefox && self.preflighted {
            // Observed in Firefox ESR 153: a preflighted request is preflighted
            // again at every redirect target, even when it no longer needs it.
            required = true;
        } else if self.profile == Profile::Safari {
            // NetworkLoadChecker::checkCORSRequest: once a hop needed a
            // preflight, every later hop has one.
            required |= self.preflighted;
            self.preflighted = required;
        }
        if !required {
            if record {
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
        if record || self.options.steps {
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
            if record {
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
            let acrh = request_headers::access_control_request_headers(&unsafe_names);
            return Err(End::Incomplete {
                stage: Stage::Preflight,
                url: self.url.as_str().to_owned(),
                request: Some(self.outgoing_preflight(acrh)),
            });
        };
        step!(
            self,
            Stage::Preflight,
            None,
            format!("The preflight was answered {}.", answer.status)
        );
        // Fetch §4.7: the preflight goes through HTTP-network-or-cache fetch,
        // which follows no redirect; a 3xx is not an ok status.
        // A preflight is never followed: a real redirect fails it outright.
        // Chrome refuses the redirect before any check; Firefox runs the
        // CORS check first.
        // WebKit checks the status first, a redirect included
        // (validatePreflightResponse).
        if self.profile == Profile::Safari && !(200..=299).contains(&answer.status) {
            return Err(self.preflight_status_block(answer.status));
        }
        let redirected = matches!(answer.status, 301 | 302 | 303 | 307 | 308)
            && has(&answer.headers, "location");
        if redirected && self.profile != Profile::Firefox {
            return Err(self.preflight_redirect_block(answer));
        }
        // Fetch §4.7: the CORS check (§4.9) on the preflight's response.
        if let Err(e) = self.preflight_access_check(answer) {
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
        // Fetch §4.7: an ok status; Chromium `network::cors::CheckPreflightAccess`
        // checks access first, then the status (PreflightInvalidStatus).
        if !(200..=299).contains(&answer.status) {
            return Err(self.preflight_status_block(answer.status));
        }
        // Fetch §4.7: both lists by "extracting header list values", a failure
        // a network error (Chromium `PreflightResult::Create`).
        let acam = combined(&answer.headers, "access-control-allow-methods");
        let acah = combined(&answer.headers, "access-control-allow-headers");
        let methods = self.parse_allow_list(AllowList::Methods, acam.as_deref().unwrap_or(""))?;
        // Chrome parses both lists before checking either; Firefox checks the
        // method before it parses Access-Control-Allow-Headers (observed in
        // Firefox ESR 153: a refused method wins over an unparsable header list).
        let early_headers = if self.profile == Profile::Firefox {
            None
        } else {
            Some(self.parse_allow_list(AllowList::Headers, acah.as_deref().unwrap_or(""))?)
        };
        // Fetch §4.7; Chromium `PreflightResult::EnsureAllowedCrossOriginMethod`.
        // Methods compare case-sensitively; `*` counts only without credentials.
        let method_ok = method_safe
            || methods.contains(&self.method.as_str())
            || (!self.include && methods.contains(&"*"));
        if !method_ok {
            let lines = self.safari_lines(&safari::Reason::MethodNotAllowed(&self.method));
            step!(
                self,
                Stage::Preflight,
                Some(false),
                format!(
                    "Method {} is not in Access-Control-Allow-Methods.",
                    self.method
                )
            );
            return Err(self
                .cors_block(
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
                )
                .with_safari(lines));
        }
        step!(
            self,
            Stage::Preflight,
            Some(true),
            format!("Method {} is allowed.", self.method)
        );
        // Fetch §4.7: every CORS-unsafe name listed (`*` without credentials,
        // never for Authorization); Chromium
        // `PreflightResult::EnsureAllowedCrossOriginHeaders`.
        let allowed_headers = match early_headers {
            Some(h) => h,
            None => self.parse_allow_list(AllowList::Headers, acah.as_deref().unwrap_or(""))?,
        };
        let lower: Vec<String> = allowed_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let allowed = NameSet::new(&lower);
        let wildcard = !self.include && allowed.contains("*");
        let has_auth = self.headers.iter().any(|h| h.name == "authorization");
        let auth_listed = allowed.contains("authorization");
        let mut refused: Option<&str> = None;
        if self.profile == Profile::Safari {
            // validateCrossOriginHeaders: `*` without credentials allows
            // every header, Authorization included.
            if !wildcard {
                refused = webkit_order(&unsafe_names).find(|n| !allowed.contains(n));
            }
        } else if wildcard {
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
                .find(|n| !allowed.contains(n));
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
                    .filter(|n| !allowed.contains(n))
                    .min()
                    .cloned()
                    .unwrap_or_else(|| name.clone())
            };
            // WebKit names the first refused header in its own order.
            // (This run's list is in its own browser's order: WebKit's is
            // the order the page set them.)
            let page_order: Vec<String>;
            let webkit_name = if self.profile == Profile::Safari {
                name.as_str()
            } else {
                let unsafe_set = NameSet::new(&unsafe_names);
                let mut seen = request_headers::Combiner::default();
                for (n, v) in &self.s.request.headers {
                    if unsafe_set.contains(&n.to_ascii_lowercase()) {
                        seen.add(n, v);
                    }
                }
                page_order = seen.finish().into_iter().map(|h| h.name).collect();
                webkit_order(&page_order)
                    .find(|n| !allowed.contains(n))
                    .unwrap_or(&name)
            };
            let lines =
                self.safari_lines(&safari::Reason::HeaderNotAllowed(self.spelled(webkit_name)));
            return Err(self
                .cors_block(
                    Stage::Preflight,
                    CorsError::HeaderDisallowedByPreflightResponse,
                    &name,
                    format!(
                        "Request header {name} is not in Access-Control-Allow-Headers ({}).",
                        acah.as_deref().unwrap_or("absent")
                    ),
                    Some(firefox::Reason::MissingAllowHeader(&firefox_name)),
                    findings::header_not_allowed(&name, acah.as_deref(), self.include),
                )
                .with_safari(lines));
        }
        step!(
            self,
            Stage::Preflight,
            Some(true),
            "Every request header is allowed.".into()
        );
        // Fetch §4.7 and §4.8 CORS-preflight cache: Access-Control-Max-Age,
        // capped by each browser.
        let max_age = combined(&answer.headers, "access-control-max-age");
        let seconds = findings::cache_seconds(max_age.as_deref(), self.profile);
        if record {
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

    /// The preflight's CORS check (Access-Control-Allow-Origin and -Credentials).
    /// Firefox makes the preflight a fresh channel with its own CORS listener,
    /// and that listener only checks a channel that went cross-site: a
    /// preflight at a URL of the page's own origin (a redirect back to the page
    /// origin) skips the check and goes straight to its status, methods and
    /// headers (observed in Firefox ESR 153).
    /// Fetch §4.9 CORS check; Firefox `nsCORSListenerProxy::CheckRequestApproved`.
    fn preflight_access_check(&self, answer: &Answer) -> Result<(), AccessError> {
        if self.profile == Profile::Firefox && self.page_origin.contains_url(&self.url) {
            return Ok(());
        }
        self.access_check(&answer.headers, self.preflight_origin())
    }

    /// A preflight answered with a status outside 200-299.
    fn preflight_status_block(&mut self, status: u16) -> End<'a> {
        step!(
            self,
            Stage::Preflight,
            Some(false),
            format!("Status {status} is not an ok status (200-299).")
        );
        let lines = self.safari_lines(&safari::Reason::PreflightStatus(status));
        self.cors_block(
            Stage::Preflight,
            CorsError::PreflightInvalidStatus,
            "",
            format!("The preflight was answered {status}, not 2xx."),
            Some(firefox::Reason::PreflightDidNotSucceed(status)),
            findings::preflight_status(status),
        )
        .with_safari(lines)
    }

    /// A request header's name as the page first spelled it.
    fn spelled<'n>(&self, lower: &'n str) -> &'n str
    where
        'a: 'n,
    {
        self.s
            .request
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(lower))
            .map_or(lower, |(n, _)| n.as_str())
    }

    /// A preflight answered with a redirect.
    /// Chromium `PreflightController` (PreflightDisallowedRedirect).
    pub(super) fn preflight_redirect_block(&mut self, answer: &Answer) -> End<'a> {
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
    /// Fetch §2.2.2 "extracting header list values"; Chromium
    /// `PreflightResult::Create`.
    pub(super) fn parse_allow_list<'v>(
        &self,
        list: AllowList,
        value: &'v str,
    ) -> Result<Vec<&'v str>, End<'a>> {
        allow_list::parse(value).map_err(|token| {
            let lines = self.safari_lines(&match list {
                AllowList::Methods => safari::Reason::InvalidAllowMethods(value),
                AllowList::Headers => safari::Reason::InvalidAllowHeaders(value),
            });
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
            .with_safari(lines)
        })
    }

    /// Why the request needs a preflight, one reason each.
    /// Fetch §2.2.2 CORS-unsafe request-header names (the 1024-byte total of
    /// safelisted values included).
    pub(super) fn preflight_reasons(
        &self,
        unsafe_names: &[String],
        method_safe: bool,
    ) -> Vec<String> {
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
        // By name, once: a scan per unsafe name is quadratic on many headers.
        let by_name: Option<std::collections::HashMap<&str, &SentHeader>> = (self.headers.len()
            > crate::names::FEW)
            .then(|| self.headers.iter().map(|h| (h.name.as_str(), h)).collect());
        for name in unsafe_names {
            let header = match &by_name {
                Some(map) => map.get(name.as_str()).copied(),
                None => self.headers.iter().find(|h| &h.name == name),
            };
            let Some(header) = header else {
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
}

/// The unsafe names in the order WebKit checks them: its header map
/// iterates the names it knows first, each group in the order the page set
/// them (observed).
fn webkit_order(unsafe_names: &[String]) -> impl Iterator<Item = &str> {
    let known = |n: &&str| crate::names::webkit_knows(n);
    let names = || unsafe_names.iter().map(String::as_str);
    names()
        .filter(known)
        .chain(names().filter(move |n| !known(n)))
}
