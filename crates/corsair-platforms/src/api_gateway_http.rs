//! AWS API Gateway HTTP API: the API's `CorsConfiguration`, in the three
//! forms it is deployed with: the JSON `aws apigatewayv2 update-api` takes
//! (`api-gateway-http`), a CloudFormation template
//! (`api-gateway-cloudformation`) and Terraform (`api-gateway-terraform`).
//! The fields are worked out once ([`HttpApiCors`]), so the three forms
//! cannot disagree.

use crate::escape::dq;
use crate::fix::Norm;
use crate::iac::{hcl_attributes, hcl_list, yaml_list};
use crate::notes::Knobs;
use crate::text::quoted;
use crate::{Renderer, Snippet};
use corsair_core::Slug;

/// The `aws apigatewayv2 update-api` JSON.
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

/// `AWS::ApiGatewayV2::Api` in a CloudFormation (or SAM) template.
pub(crate) const CLOUDFORMATION: Renderer = Renderer {
    render: render_cloudformation,
    note,
    knobs: RENDERER.knobs,
};

/// `aws_apigatewayv2_api` in Terraform.
pub(crate) const TERRAFORM: Renderer = Renderer {
    render: render_terraform,
    note,
    knobs: Knobs {
        origins: "`allow_origins`",
        methods: "`allow_methods`",
        request_headers: "`allow_headers`",
        expose_headers: "`expose_headers`",
        credentials: "`allow_credentials = true`",
        max_age: "`max_age`",
        reflect: "rely on a Lambda that copies the request's `Origin` back unchecked",
    },
};

/// The longest preflight cache API Gateway accepts, in seconds.
const MAX_AGE_CAP: u32 = 86400;

/// What API Gateway goes by once CORS is configured, whatever the form.
const OWNS_CORS: &str = "Once it is set, API Gateway answers preflights itself and ignores the \
                         CORS headers the backend sends.";

/// An HTTP API's CORS configuration, the same for every form.
pub(crate) struct HttpApiCors {
    /// `AllowOrigins`: exact origins only.
    pub origins: Vec<String>,
    /// `AllowMethods`.
    pub methods: Vec<String>,
    /// `AllowHeaders`, lower-case as browsers send them in
    /// `Access-Control-Request-Headers` (left out when empty: none allowed).
    pub headers: Vec<String>,
    /// `ExposeHeaders` (left out when empty).
    pub expose: Vec<String>,
    /// `AllowCredentials`.
    pub credentials: bool,
    /// `MaxAge`, within what API Gateway accepts.
    pub max_age: u32,
    /// What could not be written as the fix says.
    pub caveats: Vec<String>,
}

impl HttpApiCors {
    pub(crate) fn new(fix: &Norm) -> HttpApiCors {
        let mut caveats = Vec::new();
        let asked = fix.max_age_or_default();
        // A shorter cache only makes the browser ask again sooner: never
        // wider, so the cap is a narrowing, said as one.
        let max_age = if asked > MAX_AGE_CAP {
            caveats.push(format!(
                "`max-age = {asked}` is written as {MAX_AGE_CAP}: API Gateway refuses a `MaxAge` \
                 above {MAX_AGE_CAP} seconds."
            ));
            MAX_AGE_CAP
        } else {
            asked
        };
        HttpApiCors {
            origins: fix.origins.clone(),
            methods: fix.methods.clone(),
            headers: fix.request_headers.clone(),
            expose: fix.expose_headers.clone(),
            credentials: fix.credentials,
            max_age,
            caveats,
        }
    }
}

/// The JSON object of a CORS configuration (`{ "AllowOrigins": [...], ... }`)
/// with the given key spelling, indented by `indent`.
pub(crate) fn json_object(fields: &[(&str, String)], indent: &str) -> String {
    let lines: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{indent}  {}: {v}", dq(k)))
        .collect();
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}

/// A JSON list of strings on one line.
pub(crate) fn json_list(items: &[String]) -> String {
    format!("[{}]", quoted(items, dq).join(", "))
}

fn render(fix: &Norm) -> Snippet {
    let c = HttpApiCors::new(fix);
    let mut fields = vec![
        ("AllowOrigins", json_list(&c.origins)),
        ("AllowMethods", json_list(&c.methods)),
    ];
    if !c.headers.is_empty() {
        fields.push(("AllowHeaders", json_list(&c.headers)));
    }
    if !c.expose.is_empty() {
        fields.push(("ExposeHeaders", json_list(&c.expose)));
    }
    fields.push(("AllowCredentials", c.credentials.to_string()));
    fields.push(("MaxAge", c.max_age.to_string()));
    let mut code = json_object(&fields, "");
    code.push('\n');
    Snippet {
        place: format!(
            "Save as cors.json and apply it to the HTTP API: `aws apigatewayv2 update-api \
             --api-id <api-id> --cors-configuration file://cors.json` (`corsair export \
             --to api-gateway-cloudformation` or `--to api-gateway-terraform` writes the same \
             configuration as a template). {OWNS_CORS}"
        ),
        code,
        language: "json",
        caveats: c.caveats,
    }
}

fn render_cloudformation(fix: &Norm) -> Snippet {
    let c = HttpApiCors::new(fix);
    let mut code = String::from(
        "Resources:\n  HttpApi:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      \
         Name: http-api\n      ProtocolType: HTTP\n      CorsConfiguration:\n",
    );
    let indent = "        ";
    yaml_list(&mut code, indent, "AllowOrigins", &c.origins);
    yaml_list(&mut code, indent, "AllowMethods", &c.methods);
    if !c.headers.is_empty() {
        yaml_list(&mut code, indent, "AllowHeaders", &c.headers);
    }
    if !c.expose.is_empty() {
        yaml_list(&mut code, indent, "ExposeHeaders", &c.expose);
    }
    code.push_str(&format!(
        "{indent}AllowCredentials: {}\n{indent}MaxAge: {}\n",
        c.credentials, c.max_age
    ));
    Snippet {
        place: format!(
            "The CloudFormation template of the HTTP API: `CorsConfiguration` goes under the \
             `AWS::ApiGatewayV2::Api` resource's `Properties` (SAM's `AWS::Serverless::HttpApi` \
             takes the same keys under `CorsConfiguration`); `aws cloudformation deploy` applies \
             it. {OWNS_CORS}"
        ),
        code,
        language: "yaml",
        caveats: c.caveats,
    }
}

fn render_terraform(fix: &Norm) -> Snippet {
    let c = HttpApiCors::new(fix);
    let mut code = String::from(
        "resource \"aws_apigatewayv2_api\" \"http_api\" {\n  name          = \"http-api\"\n  \
         protocol_type = \"HTTP\"\n\n  cors_configuration {\n",
    );
    let mut attributes = vec![
        ("allow_origins", hcl_list(&c.origins)),
        ("allow_methods", hcl_list(&c.methods)),
    ];
    if !c.headers.is_empty() {
        attributes.push(("allow_headers", hcl_list(&c.headers)));
    }
    if !c.expose.is_empty() {
        attributes.push(("expose_headers", hcl_list(&c.expose)));
    }
    attributes.push(("allow_credentials", c.credentials.to_string()));
    attributes.push(("max_age", c.max_age.to_string()));
    hcl_attributes(&mut code, "    ", &attributes);
    code.push_str("  }\n}\n");
    Snippet {
        place: format!(
            "The Terraform module of the HTTP API: the `cors_configuration` block goes in its \
             `aws_apigatewayv2_api` resource; `terraform apply` applies it. {OWNS_CORS}"
        ),
        code,
        language: "hcl",
        caveats: c.caveats,
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
