//! `corsair lint` as a user runs it: the report at the file's places, JSON,
//! SARIF, and the exit status of the contract.

use std::process::{Command, Output};

fn lint(args: &[&str], env: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_corsair"));
    cmd.arg("lint")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("CORS_ORIGINS")
        .env_remove("CORSAIR_STAGE")
        .env("NO_COLOR", "1");
    if let Some(v) = env {
        cmd.env("CORS_ORIGINS", v);
    }
    cmd.output().expect("run corsair")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn exit_status_follows_the_contract() {
    assert_eq!(
        lint(&["tests/policies/clean.toml"], None).status.code(),
        Some(0)
    );
    assert_eq!(
        lint(&["tests/policies/warnings.toml"], None).status.code(),
        Some(0)
    );
    assert_eq!(
        lint(&["tests/policies/mistakes.toml"], None).status.code(),
        Some(1)
    );
    assert_eq!(
        lint(&["tests/policies/syntax.toml"], None).status.code(),
        Some(1)
    );
    let missing = lint(&["tests/policies/none.toml"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read tests/policies/none.toml")
    );
    // A bad origin from the environment is an error like one in the file.
    let env = lint(
        &["tests/policies/clean.toml"],
        Some("https://x.example.com/"),
    );
    assert_eq!(env.status.code(), Some(1));
    assert!(stdout(&env).contains("environment variable CORS_ORIGINS, entry 1"));
}

#[test]
fn human_report_marks_the_place() {
    insta::assert_snapshot!(
        "mistakes",
        stdout(&lint(&["tests/policies/mistakes.toml"], None))
    );
    insta::assert_snapshot!(
        "syntax",
        stdout(&lint(&["tests/policies/syntax.toml"], None))
    );
    insta::assert_snapshot!("clean", stdout(&lint(&["tests/policies/clean.toml"], None)));
}

#[test]
fn one_stage_only() {
    // The development stage may have localhost; production may not.
    let dev = lint(
        &["tests/policies/warnings.toml", "--stage", "development"],
        None,
    );
    assert!(stdout(&dev).contains("unknown-stage"), "{}", stdout(&dev));
    assert_eq!(dev.status.code(), Some(1));
    let out = stdout(&lint(&["tests/policies/warnings.toml"], None));
    assert!(out.contains("warning[localhost-in-production]"), "{out}");
}

#[test]
fn json_report() {
    let out = lint(&["tests/policies/mistakes.toml", "--json"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    insta::assert_snapshot!("mistakes_json", serde_json::to_string_pretty(&v).unwrap());
}

#[test]
fn sarif_report_is_valid_shape() {
    let out = lint(&["tests/policies/mistakes.toml", "--format", "sarif"], None);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert!(results.len() >= 10);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
    }
}

/// A policy written on one long line, with terminal escapes hidden in its
/// strings: each problem shows a bounded excerpt around its place (never the
/// whole line), and no control character reaches the terminal.
#[test]
fn long_lines_are_excerpted_and_control_characters_escaped() {
    let dir = std::env::temp_dir().join(format!("corsair-lint-long-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("long.toml");
    let origins: Vec<String> = (0..2000)
        .map(|i| format!("\"https://app{i}.example.com/\""))
        .collect();
    let text = format!(
        "[cors]\norigins = [{}, \"https://evil\\u001b[2J\\u009b.example.com\"]\nmax-age = 600\n",
        origins.join(", ")
    );
    std::fs::write(&file, &text).expect("write policy");
    let out = lint(&[file.to_str().expect("utf-8 path")], None);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    let report = stdout(&out);
    // One problem per trailing slash, each placed and excerpted.
    assert!(report.matches("error[origin-trailing-slash]").count() >= 2000);
    let far = report
        .lines()
        .filter(|l| l.contains("-->"))
        .filter_map(|l| l.rsplit(':').next()?.trim().parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    assert!(far > 60_000, "the last column shown is {far}");
    let longest = report.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest < 400, "a line of {longest} characters");
    assert!(report.len() < 2_000_000, "{} bytes", report.len());
    assert!(
        !report.contains('\u{1b}') && !report.contains('\u{9b}'),
        "a control character reached the output"
    );
    assert!(
        report.contains("evil\\x1b[2J\\u{9b}.example.com"),
        "not escaped"
    );
}
