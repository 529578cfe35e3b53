//! Amazon S3 bucket CORS (`aws s3api put-bucket-cors`).

use crate::api_gateway_http::{json_list, json_object};
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`AllowedOrigins`",
        methods: "`AllowedMethods`",
        request_headers: "`AllowedHeaders`",
        expose_headers: "`ExposeHeaders`",
        credentials: "(nothing: S3 has no credentials setting)",
        max_age: "`MaxAgeSeconds`",
        reflect: "use `\"AllowedOrigins\": [\"*\"]` for private objects",
    },
};

/// The only methods an S3 CORS rule can allow.
const S3_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

fn render(fix: &Norm) -> Snippet {
    let (methods, dropped): (Vec<String>, Vec<String>) = fix
        .methods
        .iter()
        .cloned()
        .partition(|m| S3_METHODS.contains(&m.as_str()));
    let mut fields = vec![
        ("AllowedOrigins", json_list(&fix.origins)),
        ("AllowedMethods", json_list(&methods)),
    ];
    if !fix.request_headers.is_empty() {
        fields.push(("AllowedHeaders", json_list(&fix.request_headers)));
    }
    if !fix.expose_headers.is_empty() {
        fields.push(("ExposeHeaders", json_list(&fix.expose_headers)));
    }
    fields.push(("MaxAgeSeconds", fix.max_age_or_default().to_string()));
    let code = format!(
        "{{\n  \"CORSRules\": [\n    {}\n  ]\n}}\n",
        json_object(&fields, "    ")
    );
    let mut caveats = Vec::new();
    if !dropped.is_empty() {
        caveats.push(format!(
            "S3 CORS rules allow only GET, PUT, POST, DELETE and HEAD: {} left out.",
            dropped.join(", ")
        ));
    }
    Snippet {
        place: "Save as cors.json and apply it to the bucket: `aws s3api put-bucket-cors \
                --bucket <bucket> --cors-configuration file://cors.json` (it replaces the \
                bucket's whole CORS configuration). In CloudFormation the keys are \
                `CorsConfiguration.CorsRules` with `ExposedHeaders` and `MaxAge`. S3 has no \
                credentials setting: when the matching rule names the origin (not `*`), S3 \
                answers `Access-Control-Allow-Credentials: true` itself (S3 ignores cookies \
                anyway: authorize with presigned URLs)."
            .into(),
        code,
        language: "json",
        caveats,
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::MissingAllowOrigin | Slug::StrippedByProxy => {
            "S3 sends CORS headers only to requests with an `Origin` that a rule matches; \
             behind CloudFront, forward `Origin` (origin request policy CORS-S3Origin) and \
             include it in the cache key, or a cached answer without the headers is served to \
             the page."
        }
        Slug::MissingVaryOrigin => {
            "S3 adds `Vary: Origin, Access-Control-Request-Headers, \
             Access-Control-Request-Method` to answers that carry CORS headers; CloudFront must \
             still cache on `Origin` (the CORS-S3Origin policy does)."
        }
        Slug::PreflightNotHandled | Slug::PreflightBadStatus => {
            "S3 answers preflights itself: a 403 \"CORSResponse: This CORS request is not \
             allowed\" means no rule matches the origin, method and headers together."
        }
        Slug::HeaderNotAllowed => {
            "`AllowedHeaders` must name every header the page sets, `content-type` and any \
             `x-amz-*` headers of a presigned upload included (`x-amz-*` is allowed as a \
             pattern)."
        }
        Slug::HeaderNotExposed => {
            "List `etag` in `ExposeHeaders` for multipart uploads from the browser: the page \
             needs each part's ETag."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "If CloudFront adds CORS headers with a response headers policy, enable its \
             `OriginOverride` or remove the bucket's rules, so only one set reaches the page."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
