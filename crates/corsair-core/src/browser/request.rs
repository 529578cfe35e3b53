//! Building the request as the browser sends it: method normalization,
//! header filtering and order, and the checks made before anything is sent.

use super::*;

/// The answer a data: URL gets: made by the browser, 200, no CORS headers
/// needed (the response is basic).
static DATA_ANSWER: Answer = Answer {
    status: 200,
    headers: Vec::new(),
    next: None,
};

impl<'a> Run<'a> {
    /// Method normalization, header filtering, and the checks made before
    /// anything is sent.
    pub(super) fn build_request(&mut self) -> Result<(), End<'a>> {
        let req = &self.s.request;
        let api = match req.initiator {
            Initiator::Fetch => "Failed to execute 'fetch' on 'Window'",
            Initiator::Xhr => "Failed to execute 'open' on 'XMLHttpRequest'",
        };
        // fetch() refuses a URL with a user name or password (XHR takes them
        // as its credentials).
        let has_userinfo = !self.url.username().is_empty() || self.url.password().is_some();
        if req.initiator == Initiator::Fetch && has_userinfo {
            return Err(self.refused(format!(
                "{api}: Request cannot be constructed from a URL that includes credentials: {}",
                self.url
            )));
        }
        // Fetch §5.4 Request constructor: a method that is not a token, or is
        // forbidden (§2.2.1), throws; the others are normalized.
        if !method::is_valid(&req.method) {
            let reason = format!("{api}: '{}' is not a valid HTTP method.", req.method);
            return Err(self.refused(reason));
        }
        self.method = method::normalize(&req.method);
        if method::is_forbidden(&self.method) {
            let reason = format!("{api}: '{}' HTTP method is unsupported.", self.method);
            return Err(self.refused(reason));
        }
        // Fetch §5.4 Request constructor: no-cors takes CORS-safelisted methods only.
        if req.mode == RequestMode::NoCors && !method::is_safelisted(&self.method) {
            let reason = format!("{api}: '{}' is unsupported in no-cors mode.", self.method);
            return Err(self.refused(reason));
        }
        // Fetch §5.1 Headers class: a bad name or value throws; guard "request"
        // drops forbidden request-headers, "request-no-cors" all but the
        // no-CORS-safelisted ones (§2.2.2).
        let mut sent = request_headers::Combiner::default();
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
                // XHR's setRequestHeader logs the refusal in WebKit.
                if self.profile == Profile::Safari && req.initiator == Initiator::Xhr {
                    self.safari_notes.push(safari::refused_header(name));
                }
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
            sent.add(name, value);
        }
        self.headers = self.wire_order(sent.finish());
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
        if let Some(target) = findings::proxied_target(&self.url) {
            self.findings
                .push(findings::cors_proxy_in_production(&self.url, &target));
        }
        let scheme = self.url.scheme();
        if scheme == "data" {
            // Fetch §4.1 Main fetch answers a data: URL itself with a basic
            // response, before any mode or CORS check: `fetch('data:…')`
            // succeeds in Chrome and Firefox from any page.
            step!(
                self,
                Stage::Request,
                Some(true),
                "A data: URL: the browser makes the response itself; nothing is sent and CORS does not apply.".to_owned()
            );
            return Err(End::Delivered {
                answer: &DATA_ANSWER,
                tainting: Tainting::Basic,
            });
        }
        // Fetch §4.1 Main fetch: mode "cors" to a scheme other than HTTP(S) is
        // a network error (the line is Blink's `FetchManager`).
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
        // Mixed Content, "should fetching request be blocked as mixed content?"
        // (Blink `MixedContentChecker::ShouldBlockFetch`).
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
        // WICG Local Network Access: a less public target needs permission, and
        // a declared target address space must be the real one.
        let lna = self.s.address_space.as_ref();
        if let Some(spaces) = lna.filter(|_| self.profile.enforces_local_network_access()) {
            let refusal = match spaces.declared {
                Some(declared) if declared != spaces.target => Some((
                    CorsError::InvalidLocalNetworkAccess,
                    format!(
                        "The request declared the {} address space, but the server is in the {} address space.",
                        declared.name(),
                        spaces.target.name()
                    ),
                )),
                _ if spaces.target < spaces.page
                    && !spaces.permission_granted
                    && req.mode != RequestMode::NoCors =>
                {
                    Some((
                        CorsError::LocalNetworkAccessPermissionDenied,
                        format!(
                            "A page in the {} address space may not reach the {} address space without the user's permission.",
                            spaces.page.name(),
                            spaces.target.name()
                        ),
                    ))
                }
                _ => None,
            };
            if let Some((error, reason)) = refusal {
                let f = findings::local_network_access(spaces.page, spaces.target);
                return Err(self.cors_block(Stage::Request, error, "", reason, None, f));
            }
        }
        Ok(())
    }

    /// A same-origin-mode request redirected to another origin: the loader
    /// refuses it as an unsafe load, which is not reported as a CORS error.
    /// (Fetch §4.1 Main fetch, mode "same-origin" at the redirect target.)
    pub(super) fn unsafe_redirect_block(&self) -> End<'a> {
        // WebKit names the redirected URL without its userinfo.
        let mut bare = self.url.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        let line = format!(
            "Unsafe attempt to load URL {} from frame with URL {}. Domains, protocols and ports must match.\n",
            self.url, self.page_url
        );
        let reason = format!(
            "The request mode is \"same-origin\" and it was redirected to {}, another origin.",
            self.url
        );
        let webkit = safari::Reason::SameOriginMode {
            url: bare.as_str(),
            origin: self.page_origin.serialized(),
        };
        let lines = safari::lines(&webkit, self.s.request.initiator, bare.as_str());
        self.plain_block(
            Stage::Redirect,
            reason,
            Some(line),
            findings::mode_disallows(&self.url),
        )
        .with_safari(lines)
    }

    /// The headers in the order the browser's request carries them, which is
    /// the order Chrome checks them against Access-Control-Allow-Headers (so it
    /// decides which refused header Chrome names). Chrome's is the iteration
    /// order of Blink's header hash map; WebKit's is the order the page set
    /// them (observed); the standard's is sorted.
    /// Standard: Fetch §2.2.2 "sort and combine"; Chrome: Blink
    /// `HTTPHeaderMap` ([`blink_order`]).
    pub(super) fn wire_order(&self, mut sent: Vec<SentHeader>) -> Vec<SentHeader> {
        if self.profile == Profile::Safari {
            return sent;
        }
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

    /// Fetch §4.1 Main fetch: mode "same-origin" to another origin is a
    /// network error (Chrome's `DisallowedByMode`).
    pub(super) fn mode_block(&self) -> End<'a> {
        let line = format!(
            "Fetch API cannot load {}. Request mode is \"same-origin\" but the URL's origin is not same as the request origin {}.",
            self.url, self.page_origin
        );
        End::Blocked(Box::new(Block {
            stage: Stage::Request,
            cors_error: Some(CorsError::DisallowedByMode),
            parameter: String::new(),
            url: self.url.as_str().to_owned(),
            reason: "The request mode is \"same-origin\" and the URL is on another origin.".into(),
            chrome: Some(line),
            firefox: None,
            // WebKit refuses the load before any CORS check: one line.
            safari: vec![safari::refused_line(
                self.s.request.initiator,
                self.url.as_str(),
            )],
            finding: findings::mode_disallows(&self.url),
        }))
    }
}
