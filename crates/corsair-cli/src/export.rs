//! `corsair export`: the policy file written as an engine's own
//! configuration or code, by the renderers the doctor's fixes use; refused,
//! with each limit located in the file, when the engine cannot say it
//! exactly (`--narrow` writes the closest narrower policy and lists what
//! was lost); `--check FILE` tells whether an earlier export still matches.

use std::io::Write as _;
use std::path::PathBuf;

use corsair_core::policy;
use corsair_core::printable::escape_control;
use corsair_platforms::export::{export, ExportError, Limit};
use corsair_platforms::Platform;

use crate::exit::{CliError, Status};
use crate::policy_file::{load, read};

/// Arguments of `corsair export`.
#[derive(clap::Args)]
pub struct ExportArgs {
    /// The policy file.
    #[arg(value_name = "FILE", default_value = "corsair.toml")]
    pub file: PathBuf,
    /// The engine to write for (nginx, apache, caddy, haproxy, express, fastify, nestjs, fastapi, django, flask, spring, go-rs-cors, axum-tower-http, axum-corsair, hono, nextjs, cloudflare-workers, api-gateway-http, api-gateway-cloudformation, api-gateway-terraform, sst, cloudfront, cloudfront-terraform, s3, corsair-gateway, …).
    #[arg(long = "to", value_name = "ENGINE")]
    pub to: Platform,
    /// The stage whose policy to write (default: production, `[cors]`).
    #[arg(long, value_name = "NAME", env = policy::STAGE_ENV)]
    pub stage: Option<String>,
    /// Where the engine cannot say the policy exactly, write the closest policy that is never wider, and list what is lost (on standard error).
    #[arg(long)]
    pub narrow: bool,
    /// Write to this file instead of standard output.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "check"
    )]
    pub output: Option<PathBuf>,
    /// Compare with an earlier export instead of writing: exit 0 when FILE still matches the policy, 1 when it differs.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

/// Help shown after the options.
pub const AFTER_HELP: &str = "\
The snippet is the one `corsair check` renders as a fix for the same policy: a fix and an export never disagree. Where the engine cannot express the policy (an origin pattern, `*`, per-route policies, local-network), export refuses and says where; --narrow drops what cannot be said (never allows more than the file).

Exit status: 0 written (or --check matches), 1 refused (or --check differs), 2 the file cannot be read or has errors.";

/// Runs `corsair export`.
pub fn run(args: &ExportArgs) -> Result<Status, CliError> {
    let loaded = load(&args.file, args.stage.as_deref())?;
    let text = &loaded.text;
    let file = args.file.display();
    let routes = loaded.route_paths();
    let checked = &loaded.checked;
    let locate = |limit: &Limit| -> String {
        let at = limit
            .value
            .as_deref()
            .and_then(|v| find(text, v))
            .map(|offset| loaded.at(&args.file, offset))
            .unwrap_or_default();
        escape_control(&format!("{at}{}", limit.message)).into_owned()
    };
    let exported = match export(args.to, &checked.specs, &routes, args.narrow) {
        Ok(e) => e,
        Err(ExportError::Refused(r)) => {
            eprintln!("corsair export: {r}");
            for limit in &r.limits {
                eprintln!("  {}", locate(limit));
            }
            return Ok(Status::PolicyErrors);
        }
        Err(ExportError::NothingLeft(n)) => {
            eprintln!("corsair export: {n}");
            for limit in &n.lost {
                eprintln!("  {}", locate(limit));
            }
            return Ok(Status::PolicyErrors);
        }
        Err(e @ ExportError::Empty) => return Err(CliError::Input(e.to_string())),
    };
    for limit in &exported.lost {
        eprintln!("narrowed: {}", locate(limit));
    }
    let body = with_header(args.to, &file.to_string(), &exported.rendered);
    if let Some(path) = &args.check {
        let existing = read(path)?;
        if existing == body {
            eprintln!("{}: matches {file} for {}", path.display(), args.to.title());
            return Ok(Status::Success);
        }
        eprintln!(
            "{}: differs from what `corsair export --to {}` writes for {file} now: export again",
            path.display(),
            args.to.name()
        );
        return Ok(Status::PolicyErrors);
    }
    match &args.output {
        Some(path) => std::fs::write(path, &body)
            .map_err(|e| CliError::Input(format!("cannot write {}: {e}", path.display())))?,
        None => std::io::stdout().lock().write_all(body.as_bytes())?,
    }
    Ok(Status::Success)
}

/// The first offset of `value` quoted in the file (`"value"`), else bare.
fn find(text: &str, value: &str) -> Option<usize> {
    text.find(&format!("\"{value}\""))
        .map(|i| i + 1)
        .or_else(|| text.find(value))
}

/// The snippet, after one comment line saying where it came from and
/// where it goes (in the engine's comment syntax).
fn with_header(platform: Platform, file: &str, r: &corsair_platforms::Rendered) -> String {
    let comment = match r.language {
        "js" | "ts" | "javascript" | "typescript" | "go" | "rust" | "java" | "csharp" | "php" => {
            "//"
        }
        "json" => "",
        _ => "#",
    };
    let mut out = String::new();
    if !comment.is_empty() {
        out.push_str(&format!(
            "{comment} Written by `corsair export --to {}` from {file}: edit the policy, then export again.\n",
            platform.name()
        ));
    }
    out.push_str(&r.snippet);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}
