//! Following a redirect as the browser does: limits, schemes, userinfo,
//! the tainted origin, method changes.

use super::*;

impl<'a> Run<'a> {
    /// Follows a redirect to `location`; returns the next URL.
    /// Fetch §4.4 HTTP-redirect fetch; Chromium `CorsURLLoader::OnReceiveRedirect`
    /// with `network::cors::CheckRedirectLocation`.
    pub(super) fn redirect(
        &mut self,
        location: &str,
        status: u16,
        count: usize,
    ) -> Result<Url, End<'a>> {
        let next = match self.url.join(location) {
            Ok(u) => inherit_fragment(u, &self.url, self.profile),
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
        // WebKit checks the Location's userinfo before counting
        // (NetworkLoadChecker::checkRedirection).
        if self.profile == Profile::Safari {
            self.safari_redirect_checks(&next)?;
        }
        // Fetch §4.4: over 20 redirects is a network error.
        if count > MAX_REDIRECTS {
            let reason =
                format!("More than {MAX_REDIRECTS} redirects (net::ERR_TOO_MANY_REDIRECTS).");
            let finding = findings::not_a_cors_error(&reason);
            let lines = self.safari_lines(&safari::Reason::TooManyRedirects);
            let mut end = self
                .plain_block(Stage::Redirect, reason, None, finding)
                .with_safari(lines);
            // Firefox still logs its generic CORS line for the last URL it fetched.
            if let End::Blocked(block) = &mut end {
                block.firefox = Some(firefox::line(
                    &firefox::Reason::DidNotSucceed,
                    self.url.as_str(),
                ));
            }
            return Err(end);
        }
        // Fetch §4.4: locationURL must be HTTP(S) (Chromium: CorsDisabledScheme).
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
        // Fetch §4.4: credentials in locationURL fail a CORS request (Chromium:
        // RedirectContainsCredentials).
        let has_userinfo = !next.username().is_empty() || next.password().is_some();
        if has_userinfo
            && self.profile != Profile::Safari
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
        if has_userinfo && self.blink_blocks_credentialed(&next) {
            let reason = format!(
                "The redirect to {next} carries a user name or password; the renderer refuses to load a subresource from such a URL."
            );
            return Err(self.plain_block(
                Stage::Redirect,
                reason,
                None,
                findings::redirect_with_credentials(&next),
            ));
        }
        // Fetch §4.4: leaving a cross-origin URL for another origin sets the
        // tainted origin flag (the Origin becomes `null`).
        let cross_hop = !same_origin_urls(&self.url, &next);
        if cross_hop && !self.page_origin.contains_url(&self.url) && !self.tainted {
            self.tainted = true;
            step!(self,
                Stage::Redirect,
                None,
                "The redirect leaves a cross-origin URL for another origin: from now on the request's Origin is \"null\".".into(),
            );
        }
        // Fetch §4.4: 301/302 after POST, and 303 after anything but GET or
        // HEAD, become a GET without the body and its headers. WebKitGTK also
        // turns DELETE into GET at a redirect to another origin, whatever the
        // status (observed with 301, 302, 303, 307 and 308; a same-origin hop
        // keeps DELETE).
        let to_get = (status == 303 && self.method != "GET" && self.method != "HEAD")
            || (matches!(status, 301 | 302) && self.method == "POST")
            || (self.profile == Profile::Safari && self.method == "DELETE" && cross_hop);
        if to_get {
            self.method = "GET".into();
        }
        if to_get && self.profile != Profile::Safari {
            self.headers.retain(|h| {
                !matches!(
                    h.name.as_str(),
                    "content-type" | "content-encoding" | "content-language" | "content-location"
                )
            });
        }
        // Fetch §4.4: a cross-origin redirect drops `Authorization`.
        // WebKit sends the first request's headers again at every hop,
        // Authorization and the body's headers included
        // (NetworkLoadChecker::checkCORSRedirectedRequest).
        if cross_hop && self.profile != Profile::Safari {
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

    /// The URL a Location leads to from the current one, if it parses.
    pub(super) fn next_url(&self, location: &str) -> Option<Url> {
        let next = self.url.join(location).ok()?;
        Some(inherit_fragment(next, &self.url, self.profile))
    }

    /// WebKit's checks on a redirect of a CORS request: a scheme CORS does
    /// not serve, a Location with userinfo.
    fn safari_redirect_checks(&self, next: &Url) -> Result<(), End<'a>> {
        if self.s.request.mode != RequestMode::Cors || self.tainting != Tainting::Cors {
            return Ok(());
        }
        // The redirected request's URL, as WebKit names it, has no userinfo.
        let mut bare = next.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        let to = bare.as_str();
        if !matches!(next.scheme(), "http" | "https") {
            let lines = self.safari_lines(&safari::Reason::RedirectScheme { to });
            return Err(self
                .cors_block(
                    Stage::Redirect,
                    CorsError::CorsDisabledScheme,
                    "",
                    format!(
                        "The redirect goes to a {} URL; CORS requests only follow http and https.",
                        next.scheme()
                    ),
                    Some(firefox::Reason::RequestNotHttp),
                    findings::scheme_not_supported(next.scheme()),
                )
                .with_safari(lines));
        }
        if !next.username().is_empty() || next.password().is_some() {
            let lines = self.safari_lines(&safari::Reason::RedirectCredentials {
                to,
                location: next.as_str(),
            });
            return Err(self
                .cors_block(
                    Stage::Redirect,
                    CorsError::RedirectContainsCredentials,
                    "",
                    format!("The redirect to {next} carries a user name or password."),
                    Some(firefox::Reason::DidNotSucceed),
                    findings::redirect_with_credentials(next),
                )
                .with_safari(lines));
        }
        Ok(())
    }

    /// Whether Blink refuses a redirect to `next`, a URL with userinfo, after
    /// the network service let it through: its credentialed-subresource
    /// check runs for fetch (XHR is exempt) and comes after its same-origin
    /// mode check, which reports a cross-origin hop on its own.
    /// (Chrome's `BlockCredentialedSubresources` feature.)
    fn blink_blocks_credentialed(&self, next: &Url) -> bool {
        // A same-origin-mode hop to another origin is refused first, as such.
        let mode_refuses =
            self.s.request.mode == RequestMode::SameOrigin && !self.page_origin.contains_url(next);
        self.profile.blocks_credentialed_subresources()
            && self.s.request.initiator == Initiator::Fetch
            && !mode_refuses
    }
}

/// A Location without a fragment takes the current URL's fragment (Fetch
/// §4.4 HTTP-redirect fetch), so a `#frag` set by one hop survives later hops and
/// shows in the browsers' messages. Like Chromium's RedirectInfo and
/// Firefox's PropagateReferenceIfNeeded, an empty current fragment (`a#`) is
/// not carried over; a Location's own `#` stays. WebKit carries an empty
/// one over too (observed: `a#` then `/b` loads `b#`).
fn inherit_fragment(mut next: Url, current: &Url, profile: Profile) -> Url {
    let inherited = current
        .fragment()
        .filter(|f| profile == Profile::Safari || !f.is_empty());
    if next.fragment().is_none() && inherited.is_some() {
        next.set_fragment(inherited);
    }
    next
}
