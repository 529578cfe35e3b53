//! The routes and methods of an OpenAPI document (3.x or Swagger 2.0,
//! JSON or YAML), for `corsair verify --openapi`: each path (its template
//! parameters filled with a sample value) and the methods it serves.

use std::path::Path;

use serde_json::Value;

use crate::exit::CliError;
use crate::policy_file::read;

/// One route of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The path as the document writes it (`/items/{id}`).
    pub template: String,
    /// A concrete path (`/items/1`): each `{parameter}` filled with `1`.
    pub path: String,
    /// The methods it serves, upper-case (`GET`, `PUT`).
    pub methods: Vec<String>,
}

/// The operation keys of a path item (the others are parameters, servers…).
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The largest document read.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the routes of the OpenAPI document at `path`.
pub fn routes(path: &Path) -> Result<Vec<Route>, CliError> {
    let shown = path.display();
    let size = std::fs::metadata(path)
        .map_err(|e| CliError::Input(format!("--openapi {shown}: {e}")))?
        .len();
    if size > MAX_BYTES {
        return Err(CliError::Input(format!(
            "--openapi {shown}: {size} bytes, more than the {MAX_BYTES} read"
        )));
    }
    let text = read(path)?;
    let doc: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(&text)
            .map_err(|e| CliError::Input(format!("--openapi {shown}: not JSON: {e}")))?
    } else {
        serde_yaml_ng::from_str(&text)
            .map_err(|e| CliError::Input(format!("--openapi {shown}: not YAML: {e}")))?
    };
    parse(&doc).map_err(|e| CliError::Input(format!("--openapi {shown}: {e}")))
}

/// The routes of a parsed document.
fn parse(doc: &Value) -> Result<Vec<Route>, String> {
    if doc.get("openapi").is_none() && doc.get("swagger").is_none() {
        return Err("no `openapi` (or `swagger`) version: not an OpenAPI document".into());
    }
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("no `paths` object")?;
    // Swagger 2.0 puts a common prefix in `basePath`.
    let base = doc
        .get("basePath")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim_end_matches('/');
    let mut out = Vec::new();
    for (template, item) in paths {
        if !template.starts_with('/') {
            return Err(format!("path `{template}` does not start with `/`"));
        }
        let mut methods: Vec<String> = item
            .as_object()
            .map(|ops| {
                ops.keys()
                    .filter(|k| METHODS.contains(&k.as_str()))
                    .map(|k| k.to_ascii_uppercase())
                    .collect()
            })
            .unwrap_or_default();
        methods.sort();
        if methods.is_empty() {
            continue;
        }
        let template = format!("{base}{template}");
        out.push(Route {
            path: fill(&template),
            template,
            methods,
        });
    }
    if out.is_empty() {
        return Err("no operation under `paths`".into());
    }
    Ok(out)
}

/// The template with each `{parameter}` replaced by `1`.
fn fill(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut inside = false;
    for c in template.chars() {
        match (c, inside) {
            ('{', false) => {
                inside = true;
                out.push('1');
            }
            ('}', true) => inside = false,
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openapi_3_yaml_and_swagger_2_json() {
        let yaml: Value = serde_yaml_ng::from_str(
            "openapi: 3.0.3\npaths:\n  /items:\n    get: {}\n    post: {}\n  /items/{id}:\n    parameters: []\n    put: {}\n    delete: {}\n",
        )
        .expect("yaml");
        let r = parse(&yaml).expect("routes");
        assert_eq!(
            r,
            [
                Route {
                    template: "/items".into(),
                    path: "/items".into(),
                    methods: vec!["GET".into(), "POST".into()],
                },
                Route {
                    template: "/items/{id}".into(),
                    path: "/items/1".into(),
                    methods: vec!["DELETE".into(), "PUT".into()],
                },
            ]
        );
        let json: Value = serde_json::from_str(
            r#"{"swagger": "2.0", "basePath": "/v1/", "paths": {"/users/{user}/avatar": {"get": {}}}}"#,
        )
        .expect("json");
        let r = parse(&json).expect("routes");
        assert_eq!(r[0].path, "/v1/users/1/avatar");
        assert!(parse(&serde_json::json!({"paths": {}})).is_err());
        assert!(
            parse(&serde_json::json!({"openapi": "3.1.0", "paths": {"x": {"get": {}}}})).is_err()
        );
    }
}
