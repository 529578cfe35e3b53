//! ASP.NET Core CORS middleware.

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
        origins: "`WithOrigins`",
        methods: "`WithMethods`",
        request_headers: "`WithHeaders`",
        expose_headers: "`WithExposedHeaders`",
        credentials: "`AllowCredentials()`",
        max_age: "`SetPreflightMaxAge`",
        reflect:
            "use `SetIsOriginAllowed(_ => true)` with `AllowCredentials()`, which echoes any origin",
    },
};

fn render(fix: &Norm) -> Snippet {
    let args = |items: &[String]| quoted(items, dq).join(", ");
    let mut calls = vec![
        format!("policy.WithOrigins({})", args(&fix.origins)),
        format!(".WithMethods({})", args(&fix.methods)),
    ];
    if !fix.request_headers.is_empty() {
        calls.push(format!(".WithHeaders({})", args(&fix.request_headers)));
    }
    if !fix.expose_headers.is_empty() {
        calls.push(format!(
            ".WithExposedHeaders({})",
            args(&fix.expose_headers)
        ));
    }
    if fix.credentials {
        calls.push(".AllowCredentials()".into());
    }
    if let Some(age) = fix.max_age {
        calls.push(format!(".SetPreflightMaxAge(TimeSpan.FromSeconds({age}))"));
    }
    let chain = calls.join("\n              ");
    let code = format!(
        "const string CorsPolicy = \"Frontend\";

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddCors(options =>
{{
    options.AddPolicy(CorsPolicy, policy =>
        {chain});
}});

// builder.Services.AddAuthentication(...); builder.Services.AddControllers(); ...

var app = builder.Build();

// app.UseExceptionHandler(...); app.UseHttpsRedirection();
app.UseRouting();
app.UseCors(CorsPolicy); // after UseRouting, before UseAuthentication and UseAuthorization
app.UseAuthentication();
app.UseAuthorization();

// app.MapControllers();
app.Run();
"
    );
    Snippet {
        place: "Program.cs: `AddCors` with the services, and `app.UseCors(CorsPolicy)` right \
                after `UseRouting` and before `UseAuthentication` / `UseAuthorization` (and \
                before `UseResponseCaching`)."
            .into(),
        code,
        language: "csharp",
        caveats: Vec::new(),
    }
}

fn note(slug: Slug, _fix: &Norm) -> Option<String> {
    let note = match slug {
        Slug::PreflightBlockedByAuth => {
            "`app.UseCors(...)` must come before `UseAuthentication()` and \
             `UseAuthorization()`: the CORS middleware then answers the preflight (204) before \
             an `[Authorize]` policy can answer 401."
        }
        Slug::ErrorResponseWithoutCors => {
            "The CORS middleware adds its headers when the response starts, so an exception \
             turned into a 500 by `UseExceptionHandler` keeps them as long as `UseCors` is in \
             the pipeline; errors Kestrel or a proxy send before the app runs do not."
        }
        Slug::PreflightNotHandled => {
            "`UseCors` with a named policy answers every preflight itself; with endpoint \
             routing and `.RequireCors(...)` per endpoint instead, a route with no \
             `RequireCors` gets a 405 for OPTIONS."
        }
        Slug::DuplicateCorsLayer | Slug::MultipleAllowOrigin => {
            "Keep one CORS layer: remove `UseCors` if IIS (`<customHeaders>` in web.config), a \
             gateway or nginx in front adds the headers, or remove theirs; also remove \
             `[EnableCors]` attributes naming another policy."
        }
        Slug::MissingVaryOrigin => {
            "The CORS middleware adds `Vary: Origin` when the policy lists several origins; \
             with a single one and a cache in front, add it in the app \
             (`context.Response.Headers.Append(\"Vary\", \"Origin\")`)."
        }
        Slug::PreflightRedirect => {
            "`UseHttpsRedirection` redirects plain-http preflights, which browsers refuse: call \
             the API over https."
        }
        _ => return None,
    };
    Some(note.to_owned())
}
