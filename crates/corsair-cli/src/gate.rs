//! `corsair check` as a security gate: `--fail-on SEVERITY`, many URLs from
//! `-i FILE` checked with bounded concurrency and one check at a time per
//! host, the summary table, and each probe's kind in the JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use corsair_core::Severity;
use corsair_doctor::check::CheckRequest;
use corsair_doctor::diagnose::{self, Options, Report};
use corsair_doctor::probes;
use corsair_doctor::send::Sender;

use crate::exit::Status;

/// The pause between two checks of the same host, so a list of URLs on one
/// API does not hammer it.
const HOST_PACE: Duration = Duration::from_millis(200);

/// The severity from which `--fail-on` fails the check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Errors only (the browser blocks, or a security hole).
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding, inconclusive probes included.
    Info,
    /// Never: the exit status comes from the verdict only.
    #[default]
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// The worst severity among a report's findings, the verdict's and the
/// probes'.
pub fn worst_severity(report: &Report) -> Option<Severity> {
    report
        .verdict
        .findings
        .iter()
        .map(|f| f.severity)
        .chain(report.findings.iter().map(|f| f.finding.severity))
        .max()
}

/// The exit status once `--fail-on` is applied to `verdict_exit` (the status
/// from the verdicts): [`Status::Findings`] when a finding is at or above the
/// threshold, unless the status already says bad input or no answer.
pub fn apply_fail_on(verdict_exit: Status, reports: &[Report], fail_on: FailOn) -> Status {
    let Some(threshold) = fail_on.threshold() else {
        return verdict_exit;
    };
    let tripped = reports
        .iter()
        .any(|r| worst_severity(r).is_some_and(|s| s >= threshold));
    match verdict_exit {
        Status::Success | Status::Blocked | Status::Incomplete if tripped => Status::Findings,
        other => other,
    }
}

/// The URLs of `-i FILE` (`-` for standard input): one a line, blank lines
/// and `#` comments skipped.
pub fn read_urls(path: &str) -> Result<Vec<String>, String> {
    let text = if path == "-" {
        let mut t = String::new();
        std::io::stdin()
            .read_to_string(&mut t)
            .map_err(|e| format!("--input: cannot read standard input: {e}"))?;
        t
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("--input {path}: {e}"))?
    };
    let urls: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    if urls.is_empty() {
        return Err(format!("--input {path}: no URL in it"));
    }
    Ok(urls)
}

type Pending<'a> = Pin<Box<dyn Future<Output = Vec<(usize, Result<Report, String>)>> + 'a>>;

/// Diagnoses every request, at most `concurrency` hosts at a time and one
/// check at a time per host (paced), the results in the requests' order.
pub async fn diagnose_all(
    sender: &Sender,
    requests: &[CheckRequest],
    options: &Options,
    concurrency: usize,
) -> Vec<Result<Report, String>> {
    // Requests grouped by host, in first-seen order within each.
    let mut by_host: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in requests.iter().enumerate() {
        let host = url::Url::parse(&r.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        by_host.entry(host).or_default().push(i);
    }
    let mut groups: Vec<Pending<'_>> = by_host
        .into_values()
        .map(|indices| {
            let fut: Pending<'_> = Box::pin(async move {
                let mut out = Vec::new();
                for (n, i) in indices.into_iter().enumerate() {
                    if n > 0 {
                        tokio::time::sleep(HOST_PACE).await;
                    }
                    let Some(request) = requests.get(i) else {
                        continue;
                    };
                    let result = diagnose::diagnose(sender, request, options)
                        .await
                        .map_err(|e| crate::fail::in_flags(&e));
                    out.push((i, result));
                }
                out
            });
            fut
        })
        .collect();
    groups.reverse();
    let limit = concurrency.max(1);
    let mut running: Vec<Pending<'_>> = Vec::new();
    let mut done: Vec<(usize, Result<Report, String>)> = Vec::new();
    std::future::poll_fn(|cx| {
        while running.len() < limit {
            match groups.pop() {
                Some(g) => running.push(g),
                None => break,
            }
        }
        let mut i = 0;
        while i < running.len() {
            if let Poll::Ready(results) = running[i].as_mut().poll(cx) {
                done.extend(results);
                drop(running.swap_remove(i));
                // A slot freed: start the next host right away.
                if let Some(g) = groups.pop() {
                    running.push(g);
                }
            } else {
                i += 1;
            }
        }
        if running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The summary after several reports: URL, origin, verdict, worst finding.
pub fn summary(reports: &[Report]) -> String {
    let rows: Vec<[String; 4]> = reports
        .iter()
        .map(|r| {
            let worst = r
                .verdict
                .findings
                .iter()
                .chain(r.findings.iter().map(|f| &f.finding))
                .max_by_key(|f| f.severity)
                .map(|f| format!("{} {}", severity_name(f.severity), f.slug))
                .unwrap_or_else(|| "-".into());
            [
                corsair_core::printable::escape_control(&r.request.url).into_owned(),
                corsair_core::printable::escape_control(&r.request.page_origin).into_owned(),
                format!("{:?}", r.verdict.outcome).to_lowercase(),
                worst,
            ]
        })
        .collect();
    let head = ["URL", "ORIGIN", "VERDICT", "WORST FINDING"];
    let mut widths = head.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::from("\nSummary\n");
    let mut line = |cells: [&str; 4]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i == 3 {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(head);
    for row in &rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
    out
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Adds each probe's kind, Origin and result to the JSON of a report:
/// `probe_outcome` on the probes' exchanges, `probe` on the probes' findings
/// (from the exchange that shows each).
pub fn annotate_probes(
    report: &Report,
    value: &mut serde_json::Value,
) -> Result<(), serde_json::Error> {
    let outcomes = probes::outcomes(&report.exchanges)
        .into_iter()
        .map(|o| o.map(serde_json::to_value).transpose())
        .collect::<Result<Vec<Option<serde_json::Value>>, _>>()?;
    if let Some(exchanges) = value
        .get_mut("exchanges")
        .and_then(serde_json::Value::as_array_mut)
    {
        for (e, o) in exchanges.iter_mut().zip(&outcomes) {
            if let (Some(obj), Some(o)) = (e.as_object_mut(), o) {
                obj.insert("probe_outcome".into(), o.clone());
            }
        }
    }
    if let Some(findings) = value
        .get_mut("findings")
        .and_then(serde_json::Value::as_array_mut)
    {
        for f in findings {
            let Some(obj) = f.as_object_mut() else {
                continue;
            };
            if obj.get("source").and_then(serde_json::Value::as_str) != Some("probe") {
                continue;
            }
            let outcome = obj
                .get("evidence")
                .and_then(serde_json::Value::as_u64)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| outcomes.get(i).cloned().flatten());
            if let Some(o) = outcome {
                obj.insert("probe".into(), o);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_skip_blanks_and_comments() {
        let dir = std::env::temp_dir().join(format!("corsair-gate-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("urls.txt");
        let written = std::fs::write(
            &file,
            "# the APIs\nhttps://a.example/x\n\n  https://b.example/y  \n#https://c.example\n",
        );
        assert!(written.is_ok());
        let path = file.to_string_lossy().into_owned();
        assert_eq!(
            read_urls(&path),
            Ok(vec![
                "https://a.example/x".to_owned(),
                "https://b.example/y".to_owned()
            ])
        );
        let only_comments = std::fs::write(&file, "# nothing\n\n");
        assert!(only_comments.is_ok());
        assert!(read_urls(&path).is_err());
        assert!(read_urls(&dir.join("missing").to_string_lossy()).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn fail_on_keeps_bad_input_and_network_statuses() {
        // No reports: nothing trips; the verdict's status stands.
        let statuses = [
            Status::Success,
            Status::Blocked,
            Status::BadInput,
            Status::Incomplete,
            Status::NoAnswer,
        ];
        for code in statuses {
            assert_eq!(apply_fail_on(code, &[], FailOn::Info), code);
            assert_eq!(apply_fail_on(code, &[], FailOn::None), code);
        }
    }
}
