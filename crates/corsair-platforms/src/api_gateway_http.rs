//! AWS API Gateway HTTP API: the API's `CorsConfiguration`.

use crate::escape::dq;
use crate::fix::Norm;
use crate::notes::Knobs;
use crate::text::quoted;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

pub(crate) const RENDERER: Renderer = Renderer {
    render,
    note,
    knobs: Knobs {
        origins: "`AllowOrigins`",
        methods: "`AllowMethods`",
        request_headers: "`AllowHeaders`",
        expose_headers: "`ExposeHeaders`",
        credentials: "`AllowCredentials: true`",
        max_age: "`MaxAge`",
        reflect: "rely on a Lambda that copies the request's `Origin` back unchecked",
    },
};

/// The JSON object of a CORS configuration (`{ "AllowOrigins": [...], ... }`)
/// with the given key spelling, indented by `indent`.
pub(crate) fn json_object(fields: &[(&str, String)], indent: &str) -> String {
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{indent}  {}: {v}", dq(k)))
        .collect();
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}

pub(crate) fn json_list(items: &[String]) -> String {
    format!("[{}]", quoted(items, dq).join(", "))
}

fn render(fix: &Norm) -> Snippet {
    let mut fields = vec![
        ("AllowOrigins", json_list(&fix.origins)),
        ("AllowMethods", json_list(&fix.methods)),
    ];
    if !fix.request_headers.is_empty() {
        fields.push(("AllowHeaders", json_list(&fix.request_headers)));
    }
    if !fix.expose_headers.is_empty() {
        fields.push(("ExposeHeaders", json_list(&fix.expose_headers)));
    }
    fields.push(("AllowCredentials", fix.credentials.to_string()));
    fields.push(("MaxAge", fix.max_age_or_default().to_string()));
    let mut code = json_object(&fields, "");
    code.push('\n');
    let mut caveats = Vec::new();
    if fix.max_age_or_default() > 86400 {
        caveats.push("API Gateway refuses a `MaxAge` above 86400 seconds.".to_owned());
    }
    Snippet {
        place: "Save as cors.json and apply it to the HTTP API: `aws apigatewayv2 update-api \
                --api-id <api-id> --cors-configuration file://cors.json` (CloudFormation and SAM \
                take the same keys under `CorsConfiguration`). Once it is set, API Gateway answers preflights \
                itself and ignores the CORS headers the backend sends."
            .into(),
        code,
        language: "json",
        caveats,
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth | Slug::PreflightNotHandled => {
            "API Gateway answers preflights itself only when no route matches OPTIONS: an \
             `ANY /{proxy+}` or `$default` route with a JWT or Lambda authorizer catches them \
             and answers 401. Declare routes per method (`GET /items`, `PUT /items/{id}`), or \
             add an `OPTIONS /{proxy+}` route without an authorizer."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "With a CORS configuration set, API Gateway drops the backend's CORS headers and \
             sends its own: remove CORS from the Lambda or container (or remove the \
             configuration and let the backend do all of it), so one place owns it."
        }
        Slug::ErrorResponseWithoutCors => {
            "API Gateway adds the configured headers to the integration's answers, 4xx/5xx \
             included; a Lambda error (502) or a throttled request from the gateway itself may \
             have none, so catch errors in the Lambda and return a status instead."
        }
        Slug::MissingVaryOrigin => {
            "API Gateway answers with the one matching origin and `Vary: Origin`; a CloudFront \
             distribution in front must forward `Origin` and cache on it."
        }
        Slug::StrippedByProxy => {
            "Behind CloudFront, forward the `Origin` header (an origin request policy such as \
             AllViewerExceptHostHeader) and include it in the cache key, or the headers are \
             missing or cached for another origin."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
