//! SST v3: `sst.aws.ApiGatewayV2` with `cors`.

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
        origins: "`cors.allowOrigins`",
        methods: "`cors.allowMethods`",
        request_headers: "`cors.allowHeaders`",
        expose_headers: "`cors.exposeHeaders`",
        credentials: "`cors.allowCredentials: true`",
        max_age: "`cors.maxAge`",
        reflect: "leave `cors: true`, SST's default that allows every origin, method and header, on a credentialed API",
    },
};

/// The methods SST's types accept for `allowMethods`.
const SST_METHODS: [&str; 7] = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// An SST duration (`"2 hours"`, `"90 seconds"`).
pub(crate) fn duration(seconds: u32) -> String {
    let (n, unit) = if seconds != 0 && seconds % 86400 == 0 {
        (seconds / 86400, "day")
    } else if seconds != 0 && seconds % 3600 == 0 {
        (seconds / 3600, "hour")
    } else if seconds != 0 && seconds % 60 == 0 {
        (seconds / 60, "minute")
    } else {
        (seconds, "second")
    };
    let plural = if n == 1 { "" } else { "s" };
    format!("{n} {unit}{plural}")
}

fn render(fix: &Norm) -> Snippet {
    let list = |items: &[String]| format!("[{}]", quoted(items, dq).join(", "));
    let (methods, dropped): (Vec<String>, Vec<String>) = fix
        .methods
        .iter()
        .cloned()
        .partition(|m| SST_METHODS.contains(&m.as_str()));
    let mut lines = vec![
        format!("    allowOrigins: {},", list(&fix.origins)),
        format!("    allowMethods: {},", list(&methods)),
        // SST's default is ["*"]: always say which headers.
        if fix.request_headers.is_empty() {
            "    allowHeaders: [], // none: SST's default would be [\"*\"]".to_owned()
        } else {
            format!("    allowHeaders: {},", list(&fix.request_headers))
        },
    ];
    if !fix.expose_headers.is_empty() {
        lines.push(format!("    exposeHeaders: {},", list(&fix.expose_headers)));
    }
    if fix.credentials {
        lines.push("    allowCredentials: true,".into());
    }
    lines.push(format!(
        "    maxAge: {},",
        dq(&duration(fix.max_age_or_default()))
    ));
    let code = format!(
        "// sst.config.ts, inside run()
const api = new sst.aws.ApiGatewayV2(\"Api\", {{
  cors: {{
{}
  }},
}});
",
        lines.join("\n")
    );
    let mut caveats = Vec::new();
    if !dropped.is_empty() {
        caveats.push(format!(
            "SST's `allowMethods` accepts only DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT \
             (or `*`): {} left out.",
            dropped.join(", ")
        ));
    }
    if fix.max_age_or_default() > 86400 {
        caveats.push("API Gateway refuses a `maxAge` above 1 day.".to_owned());
    }
    Snippet {
        place: "sst.config.ts, in `run()`, where the `sst.aws.ApiGatewayV2` is created; \
                `sst deploy` applies it. Once set, API Gateway answers preflights itself and \
                ignores the CORS headers your functions return."
            .into(),
        code,
        language: "ts",
        caveats,
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::WildcardWithCredentials | Slug::ReflectsAnyOrigin => {
            "`cors: true` (SST's default) allows every origin, method and header: with cookies \
             or `Authorization` it is refused or too wide; set `allowOrigins` and \
             `allowCredentials: true` as above."
        }
        Slug::PreflightBlockedByAuth | Slug::PreflightNotHandled => {
            "API Gateway answers preflights itself only when no route matches OPTIONS: an \
             `api.route(\"ANY /{proxy+}\", …, { auth: { jwt: … } })` or `$default` route catches \
             them and answers 401. Route per method (`api.route(\"PUT /items/{id}\", …)`) or add \
             an unauthenticated `OPTIONS /{proxy+}` route."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "With `cors` set on the API, API Gateway drops the CORS headers your functions \
             return: remove them from the handlers (or set `cors: false` and let the handlers \
             do all of it), so one place owns CORS."
        }
        Slug::ErrorResponseWithoutCors => {
            "API Gateway adds the headers to the function's answers, 4xx/5xx included; a \
             function that throws ends as a gateway 500 that may lack them, so catch errors and \
             return a status."
        }
        Slug::MissingVaryOrigin => {
            "API Gateway answers with the one matching origin and `Vary: Origin`; a CloudFront \
             distribution in front must forward `Origin` and cache on it."
        }
        Slug::HeaderNotAllowed => {
            "`allowHeaders` must name each header the page sets (`authorization`, \
             `content-type`, …); with `allowCredentials: true`, a `*` there does not cover them."
        }
        _ => return None,
    };
    Some(note.to_owned())
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations() {
        assert_eq!(duration(7200), "2 hours");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(86400), "1 day");
        assert_eq!(duration(600), "10 minutes");
        assert_eq!(duration(90), "90 seconds");
        assert_eq!(duration(1), "1 second");
        assert_eq!(duration(0), "0 seconds");
    }
}
