//! Amazon CloudFront: a response headers policy's `CorsConfig`, as a
//! CloudFormation `AWS::CloudFront::ResponseHeadersPolicy` (`cloudfront`) or
//! a Terraform `aws_cloudfront_response_headers_policy`
//! (`cloudfront-terraform`). The fields are worked out once
//! ([`CloudFrontCors`]), so the two forms cannot disagree.
//!
//! What the documentation says and the renderer relies on: the methods list
//! takes GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT (or ALL, never
//! written); origins are exact origins or `*` (never written), with a
//! leading `*.` wildcard whose reach (labels, scheme, port) is not
//! documented, so patterns are left out; `OriginOverride: true` replaces
//! the origin's own CORS headers, so the origin cannot widen the policy;
//! the headers list may not be empty, nor hold `*` with credentials.

use crate::fix::Norm;
use crate::iac::{hcl_attributes, hcl_list, yaml_list};
use crate::notes::Knobs;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

/// The CloudFormation template.
pub(crate) const CLOUDFORMATION: Renderer = Renderer {
    render: render_cloudformation,
    note,
    knobs: Knobs {
        origins: "`AccessControlAllowOrigins`",
        methods: "`AccessControlAllowMethods`",
        request_headers: "`AccessControlAllowHeaders`",
        expose_headers: "`AccessControlExposeHeaders`",
        credentials: "`AccessControlAllowCredentials: true`",
        max_age: "`AccessControlMaxAgeSec`",
        reflect: "put `*` in `AccessControlAllowOrigins` (or attach the managed CORS-With-Preflight policy, which does)",
    },
};

/// The Terraform resource.
pub(crate) const TERRAFORM: Renderer = Renderer {
    render: render_terraform,
    note,
    knobs: Knobs {
        origins: "`access_control_allow_origins`",
        methods: "`access_control_allow_methods`",
        request_headers: "`access_control_allow_headers`",
        expose_headers: "`access_control_expose_headers`",
        credentials: "`access_control_allow_credentials = true`",
        max_age: "`access_control_max_age_sec`",
        reflect: "put `*` in `access_control_allow_origins` (or attach the managed CORS-With-Preflight policy, which does)",
    },
};

/// The methods `AccessControlAllowMethods` accepts (besides `ALL`).
pub(crate) const CLOUDFRONT_METHODS: [&str; 7] =
    ["GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// Written in the headers list when the policy allows no request header:
/// CloudFront refuses an empty list, and no page can set `Keep-Alive` (a
/// forbidden request header in every browser), so it allows nothing.
pub(crate) const NO_HEADER: &str = "keep-alive";

/// The name the policy is created under.
const POLICY_NAME: &str = "corsair-cors";

/// A response headers policy's CORS configuration, the same for both forms.
pub(crate) struct CloudFrontCors {
    /// `AccessControlAllowOrigins`: exact origins only.
    pub origins: Vec<String>,
    /// `AccessControlAllowMethods`: those CloudFront accepts.
    pub methods: Vec<String>,
    /// `AccessControlAllowHeaders`: the request headers, or [`NO_HEADER`].
    pub headers: Vec<String>,
    /// `AccessControlExposeHeaders` (left out when empty).
    pub expose: Vec<String>,
    /// `AccessControlAllowCredentials`.
    pub credentials: bool,
    /// `AccessControlMaxAgeSec`.
    pub max_age: u32,
    /// What could not be written as the fix says.
    pub caveats: Vec<String>,
}

impl CloudFrontCors {
    pub(crate) fn new(fix: &Norm) -> CloudFrontCors {
        let mut caveats = Vec::new();
        let mut methods = Vec::new();
        for m in &fix.methods {
            if CLOUDFRONT_METHODS.contains(&m.as_str()) {
                methods.push(m.clone());
            } else if CLOUDFRONT_METHODS
                .iter()
                .any(|known| known.eq_ignore_ascii_case(m))
            {
                // The browser sends `patch` as the page wrote it and
                // compares it with the allowed list exactly.
                caveats.push(format!(
                    "`{m}` is left out: CloudFront lists methods upper-case only, and a page's \
                     `{m}` is sent as written (`fetch` upper-cases only DELETE, GET, HEAD, \
                     OPTIONS, POST and PUT)."
                ));
            } else {
                caveats.push(format!(
                    "`{m}` is left out: CloudFront's `AccessControlAllowMethods` takes only GET, \
                     DELETE, HEAD, OPTIONS, PATCH, POST and PUT."
                ));
            }
        }
        let headers = if fix.request_headers.is_empty() {
            vec![NO_HEADER.to_owned()]
        } else {
            fix.request_headers.clone()
        };
        CloudFrontCors {
            origins: fix.origins.clone(),
            methods,
            headers,
            expose: fix.expose_headers.clone(),
            credentials: fix.credentials,
            max_age: fix.max_age_or_default(),
            caveats,
        }
    }

    /// Whether the headers list is the placeholder that allows none.
    fn allows_no_header(&self) -> bool {
        self.headers == [NO_HEADER]
    }
}

/// Where the policy goes, and the cache behavior settings it needs.
fn place(form: &str, attach: &str) -> String {
    format!(
        "{form} Attach the policy to every cache behavior the page calls ({attach}); each path \
         pattern is its own behavior. CloudFront answers a preflight from this policy only when \
         the behavior's allowed methods include OPTIONS (`GET, HEAD, OPTIONS`, or all seven when \
         the API takes POST, PUT, PATCH or DELETE). `OriginOverride` is on, so CloudFront \
         replaces any CORS headers the origin sends with the policy's."
    )
}

fn render_cloudformation(fix: &Norm) -> Snippet {
    let c = CloudFrontCors::new(fix);
    let mut code = format!(
        "Resources:\n  CorsHeadersPolicy:\n    Type: AWS::CloudFront::ResponseHeadersPolicy\n    \
         Properties:\n      ResponseHeadersPolicyConfig:\n        Name: {POLICY_NAME}\n        \
         CorsConfig:\n"
    );
    let indent = "          ";
    let items = "            ";
    code.push_str(&format!("{indent}AccessControlAllowOrigins:\n"));
    yaml_list(&mut code, items, "Items", &c.origins);
    code.push_str(&format!("{indent}AccessControlAllowMethods:\n"));
    yaml_list(&mut code, items, "Items", &c.methods);
    code.push_str(&format!("{indent}AccessControlAllowHeaders:\n"));
    if c.allows_no_header() {
        code.push_str(&format!(
            "{items}# CloudFront needs one name at least; no page can set {NO_HEADER}.\n"
        ));
    }
    yaml_list(&mut code, items, "Items", &c.headers);
    if !c.expose.is_empty() {
        code.push_str(&format!("{indent}AccessControlExposeHeaders:\n"));
        yaml_list(&mut code, items, "Items", &c.expose);
    }
    code.push_str(&format!(
        "{indent}AccessControlAllowCredentials: {}\n{indent}AccessControlMaxAgeSec: {}\n\
         {indent}OriginOverride: true\n",
        c.credentials, c.max_age
    ));
    code.push_str(
        "# In each cache behavior of the distribution:\n\
         #   ResponseHeadersPolicyId: !Ref CorsHeadersPolicy\n\
         #   AllowedMethods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]  # OPTIONS at least\n",
    );
    Snippet {
        place: place(
            "The CloudFormation template of the distribution (`aws cloudformation deploy`).",
            "`ResponseHeadersPolicyId: !Ref CorsHeadersPolicy`",
        ),
        code,
        language: "yaml",
        caveats: c.caveats,
    }
}

fn render_terraform(fix: &Norm) -> Snippet {
    let c = CloudFrontCors::new(fix);
    let mut code = format!(
        "resource \"aws_cloudfront_response_headers_policy\" \"cors\" {{\n  name = \"{POLICY_NAME}\"\n\n  \
         cors_config {{\n"
    );
    hcl_attributes(
        &mut code,
        "    ",
        &[
            (
                "access_control_allow_credentials",
                c.credentials.to_string(),
            ),
            ("access_control_max_age_sec", c.max_age.to_string()),
            ("origin_override", "true".to_owned()),
        ],
    );
    let mut block = |name: &str, items: &[String], comment: Option<String>| {
        code.push_str(&format!("\n    {name} {{\n"));
        if let Some(comment) = comment {
            code.push_str(&format!("      # {comment}\n"));
        }
        code.push_str(&format!("      items = {}\n    }}\n", hcl_list(items)));
    };
    block("access_control_allow_origins", &c.origins, None);
    block("access_control_allow_methods", &c.methods, None);
    let no_header = c
        .allows_no_header()
        .then(|| format!("CloudFront needs one name at least; no page can set {NO_HEADER}."));
    block("access_control_allow_headers", &c.headers, no_header);
    if !c.expose.is_empty() {
        block("access_control_expose_headers", &c.expose, None);
    }
    code.push_str(
        "  }\n}\n\n\
         # In each cache behavior of the aws_cloudfront_distribution:\n\
         #   response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id\n\
         #   allowed_methods = [\"GET\", \"HEAD\", \"OPTIONS\", \"PUT\", \"PATCH\", \"POST\", \"DELETE\"] # OPTIONS at least\n",
    );
    Snippet {
        place: place(
            "The Terraform module of the distribution (`terraform apply`).",
            "`response_headers_policy_id = aws_cloudfront_response_headers_policy.cors.id`",
        ),
        code,
        language: "hcl",
        caveats: c.caveats,
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth | Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "CloudFront answers the preflight from the response headers policy only when the \
             cache behavior allows OPTIONS (`GET, HEAD, OPTIONS`, or all seven methods); with \
             `GET, HEAD` the preflight never gets the policy's headers. Check the behavior whose \
             path pattern matches the call, not only the default one."
        }
        Slug::ErrorResponseWithoutCors => {
            "The policy's headers go on every answer of the cache behavior it is attached to, \
             the origin's errors included; a path served by another behavior without the policy \
             gets none, so attach it to each behavior the page calls."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "With `OriginOverride` on, CloudFront replaces the origin's CORS headers with the \
             policy's; remove CORS from the origin as well, so one place owns it."
        }
        Slug::MissingVaryOrigin | Slug::StrippedByProxy => {
            "CloudFront adds the policy's headers to each answer as it leaves the edge, from that \
             request's `Origin`, cached answers included; if the origin itself varies on \
             `Origin`, put `Origin` in the cache policy's key too."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
