//! The AWS engines that cannot run here: API Gateway HTTP API (the CLI's
//! JSON, CloudFormation, Terraform) and CloudFront response headers
//! policies (CloudFormation, Terraform). `corsair export`'s output for
//! several policies is kept as golden files (insta snapshots), and each
//! template is parsed (YAML, JSON, a small HCL reader below) and checked
//! field by field against the policy, as the services document the fields:
//! every allowed origin present and none the policy lacks, the methods,
//! request and exposed headers, credentials, max-age. A pattern is refused
//! at its place in the file, `--narrow` writes what is left and never
//! more. Each check is shown to fail on a template with one field wrong.

use std::collections::BTreeSet;
use std::process::{Command, Output};

use corsair_core::http::request_headers::is_forbidden;
use corsair_core::Profile;

/// The engines of this file, as `--to` names them.
const ENGINES: [&str; 5] = [
    "api-gateway-http",
    "api-gateway-cloudformation",
    "api-gateway-terraform",
    "cloudfront",
    "cloudfront-terraform",
];

/// What CloudFront's `AccessControlAllowMethods` accepts (its `ALL` aside).
const CLOUDFRONT_METHODS: [&str; 7] = ["GET", "DELETE", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/// API Gateway's cap on `MaxAge`.
const API_GATEWAY_MAX_AGE: u64 = 86400;

fn corsair(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corsair"))
        .env("NO_COLOR", "1")
        .env_remove("CORSAIR_STAGE")
        .env_remove("CORS_ORIGINS")
        .args(args)
        .output()
        .expect("corsair runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory removed at the end.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("corsair-aws-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Dir(dir)
    }
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One origin, nothing else: the simple methods, no request header, no
/// credentials, the default max-age the renderers write (7200).
const ONE: &str = "[cors]\norigins = [\"https://app.example.com\"]\n";

/// Several origins (one with a port), credentials, methods, request
/// headers (one written capitalised), exposed headers, max-age.
const FULL: &str = r#"[cors]
origins = [
  "https://app.example.com",
  "https://admin.example.com:8443",
  "https://partner.example.org",
]
credentials = true
methods = ["PUT", "PATCH", "DELETE"]
request-headers = ["Authorization", "content-type", "x-request-id"]
expose-headers = ["etag", "x-total-count"]
max-age = 600
"#;

/// A subdomain pattern and a port pattern beside an exact origin.
const PATTERN: &str = r#"[cors]
origins = [
  "https://app.example.com",
  "https://*.preview.example.com",
  "https://staging.example.com:*",
]
methods = ["PUT"]
request-headers = ["content-type"]
max-age = 300
"#;

/// A method CloudFront has no name for.
const PURGE: &str = r#"[cors]
origins = ["https://app.example.com"]
methods = ["PUT", "PURGE"]
max-age = 300
"#;

/// What a policy allows, written out by hand from the policy text (not
/// from the renderers), as the engines must be told it.
#[derive(Clone, Debug)]
struct Expected {
    origins: BTreeSet<String>,
    /// GET, HEAD and POST (always allowed) and the policy's methods.
    methods: BTreeSet<String>,
    /// Lower-case, as browsers send them in `Access-Control-Request-Headers`.
    headers: BTreeSet<String>,
    expose: BTreeSet<String>,
    credentials: bool,
    max_age: u64,
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn one() -> Expected {
    Expected {
        origins: set(&["https://app.example.com"]),
        methods: set(&["GET", "HEAD", "POST"]),
        headers: set(&[]),
        expose: set(&[]),
        credentials: false,
        max_age: 7200,
    }
}

fn full() -> Expected {
    Expected {
        origins: set(&[
            "https://app.example.com",
            "https://admin.example.com:8443",
            "https://partner.example.org",
        ]),
        methods: set(&["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        headers: set(&["authorization", "content-type", "x-request-id"]),
        expose: set(&["etag", "x-total-count"]),
        credentials: true,
        max_age: 600,
    }
}

/// [`PATTERN`] narrowed: the exact origin alone.
fn pattern_narrowed() -> Expected {
    Expected {
        origins: set(&["https://app.example.com"]),
        methods: set(&["GET", "HEAD", "POST", "PUT"]),
        headers: set(&["content-type"]),
        expose: set(&[]),
        credentials: false,
        max_age: 300,
    }
}

/// [`PURGE`] narrowed for CloudFront: PURGE dropped.
fn purge_narrowed() -> Expected {
    Expected {
        origins: set(&["https://app.example.com"]),
        methods: set(&["GET", "HEAD", "POST", "PUT"]),
        headers: set(&[]),
        expose: set(&[]),
        credentials: false,
        max_age: 300,
    }
}

/// The CORS fields as a template states them.
#[derive(Clone, Debug, Default)]
struct Found {
    origins: Vec<String>,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    credentials: Option<bool>,
    max_age: Option<u64>,
    /// CloudFront's `OriginOverride` (`None` for API Gateway).
    origin_override: Option<bool>,
}

/// Each way `found` departs from what `engine` must be told; empty when
/// the template says exactly the policy.
fn check(engine: &str, found: &Found, want: &Expected) -> Vec<String> {
    let cloudfront = engine.starts_with("cloudfront");
    let mut wrong = Vec::new();
    let mut same = |what: &str, got: &[String], want: &BTreeSet<String>| {
        let got_set: BTreeSet<String> = got.iter().cloned().collect();
        if got_set.len() != got.len() {
            wrong.push(format!("{what}: a value is listed twice: {got:?}"));
        }
        for missing in want.difference(&got_set) {
            wrong.push(format!("{what}: `{missing}` is missing"));
        }
        for extra in got_set.difference(want) {
            wrong.push(format!("{what}: `{extra}` is not in the policy"));
        }
    };
    same("origins", &found.origins, &want.origins);
    same("methods", &found.methods, &want.methods);
    // CloudFront refuses an empty headers list: a name no page can set
    // (forbidden in every browser) stands for "none", and allows nothing.
    let headers: Vec<String> = if cloudfront {
        found
            .headers
            .iter()
            .filter(|h| {
                ![Profile::Chrome, Profile::Firefox, Profile::Safari]
                    .iter()
                    .all(|p| is_forbidden(h, "", *p))
            })
            .cloned()
            .collect()
    } else {
        found.headers.clone()
    };
    same("request headers", &headers, &want.headers);
    same("exposed headers", &found.expose, &want.expose);
    for origin in &found.origins {
        // `*` is a wildcard to both services, never an exact origin.
        if origin.contains('*') {
            wrong.push(format!("origins: `{origin}` is a wildcard"));
        }
    }
    for h in found.headers.iter().chain(&found.expose) {
        if h == "*" || h.chars().any(|c| c.is_ascii_uppercase()) {
            wrong.push(format!("headers: `{h}` is `*` or not lower-case"));
        }
    }
    if found.credentials != Some(want.credentials) {
        wrong.push(format!(
            "credentials: {:?}, the policy says {}",
            found.credentials, want.credentials
        ));
    }
    if found.max_age != Some(want.max_age) {
        wrong.push(format!(
            "max-age: {:?}, the policy says {}",
            found.max_age, want.max_age
        ));
    }
    if cloudfront {
        if found.headers.is_empty() {
            wrong.push("request headers: CloudFront refuses an empty list".into());
        }
        for m in &found.methods {
            if !CLOUDFRONT_METHODS.contains(&m.as_str()) {
                wrong.push(format!("methods: CloudFront has no method `{m}`"));
            }
        }
        // Without it the origin's own CORS headers win over the policy's.
        if found.origin_override != Some(true) {
            wrong.push(format!(
                "OriginOverride: {:?}, must be true",
                found.origin_override
            ));
        }
    } else if found.max_age.is_some_and(|a| a > API_GATEWAY_MAX_AGE) {
        wrong.push("max-age: API Gateway refuses more than 86400".into());
    }
    wrong
}

/// The fields of `engine`'s template `text`, parsed as the engine reads it.
fn parse(engine: &str, text: &str) -> Result<Found, String> {
    match engine {
        "api-gateway-http" => {
            let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
            api_gateway_fields(&Tree::Json(&v))
        }
        "api-gateway-cloudformation" => {
            let v: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
            let api = cloudformation_resource(&v, "AWS::ApiGatewayV2::Api")?;
            api_gateway_fields(&Tree::Yaml(yaml_at(
                api,
                &["Properties", "CorsConfiguration"],
            )?))
        }
        "cloudfront" => {
            let v: serde_yaml_ng::Value =
                serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
            let policy = cloudformation_resource(&v, "AWS::CloudFront::ResponseHeadersPolicy")?;
            let cors = yaml_at(
                policy,
                &["Properties", "ResponseHeadersPolicyConfig", "CorsConfig"],
            )?;
            let items = |key: &str| -> Result<Vec<String>, String> {
                match yaml_at(cors, &[key]) {
                    Ok(v) => strings(&Tree::Yaml(yaml_at(v, &["Items"])?), key),
                    Err(_) => Ok(Vec::new()),
                }
            };
            Ok(Found {
                origins: items("AccessControlAllowOrigins")?,
                methods: items("AccessControlAllowMethods")?,
                headers: items("AccessControlAllowHeaders")?,
                expose: items("AccessControlExposeHeaders")?,
                credentials: yaml_at(cors, &["AccessControlAllowCredentials"])?.as_bool(),
                max_age: yaml_at(cors, &["AccessControlMaxAgeSec"])?.as_u64(),
                origin_override: yaml_at(cors, &["OriginOverride"])?.as_bool(),
            })
        }
        "api-gateway-terraform" => {
            let body = hcl::parse(text)?;
            let api = body.resource("aws_apigatewayv2_api")?;
            let cors = api.block("cors_configuration")?;
            Ok(Found {
                origins: cors.strings("allow_origins")?,
                methods: cors.strings("allow_methods")?,
                headers: cors.strings("allow_headers")?,
                expose: cors.strings("expose_headers")?,
                credentials: cors.bool("allow_credentials"),
                max_age: cors.number("max_age"),
                origin_override: None,
            })
        }
        "cloudfront-terraform" => {
            let body = hcl::parse(text)?;
            let policy = body.resource("aws_cloudfront_response_headers_policy")?;
            let cors = policy.block("cors_config")?;
            let items = |name: &str| match cors.block(name) {
                Ok(b) => b.strings("items"),
                Err(_) => Ok(Vec::new()),
            };
            Ok(Found {
                origins: items("access_control_allow_origins")?,
                methods: items("access_control_allow_methods")?,
                headers: items("access_control_allow_headers")?,
                expose: items("access_control_expose_headers")?,
                credentials: cors.bool("access_control_allow_credentials"),
                max_age: cors.number("access_control_max_age_sec"),
                origin_override: cors.bool("origin_override"),
            })
        }
        other => Err(format!("no parser for {other}")),
    }
}

/// A JSON or YAML tree, for the keys API Gateway's forms share.
enum Tree<'a> {
    Json(&'a serde_json::Value),
    Yaml(&'a serde_yaml_ng::Value),
}

impl Tree<'_> {
    fn get(&self, key: &str) -> Option<Tree<'_>> {
        match self {
            Tree::Json(v) => v.get(key).map(Tree::Json),
            Tree::Yaml(v) => v.get(key).map(Tree::Yaml),
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Tree::Json(v) => v.as_bool(),
            Tree::Yaml(v) => v.as_bool(),
        }
    }
    fn as_u64(&self) -> Option<u64> {
        match self {
            Tree::Json(v) => v.as_u64(),
            Tree::Yaml(v) => v.as_u64(),
        }
    }
}

/// A list of strings, nothing else.
fn strings(tree: &Tree<'_>, what: &str) -> Result<Vec<String>, String> {
    let items: Vec<Option<String>> = match tree {
        Tree::Json(v) => v
            .as_array()
            .ok_or(format!("{what} is not a list"))?
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Tree::Yaml(v) => v
            .as_sequence()
            .ok_or(format!("{what} is not a list"))?
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
    };
    items
        .into_iter()
        .collect::<Option<Vec<String>>>()
        .ok_or(format!("{what} holds a value that is not a string"))
}

/// An HTTP API's `CorsConfiguration` (the JSON of the CLI and the
/// template's property have the same keys).
fn api_gateway_fields(cors: &Tree<'_>) -> Result<Found, String> {
    let list = |key: &str| match cors.get(key) {
        Some(v) => strings(&v, key),
        None => Ok(Vec::new()),
    };
    Ok(Found {
        origins: list("AllowOrigins")?,
        methods: list("AllowMethods")?,
        headers: list("AllowHeaders")?,
        expose: list("ExposeHeaders")?,
        credentials: cors.get("AllowCredentials").and_then(|v| v.as_bool()),
        max_age: cors.get("MaxAge").and_then(|v| v.as_u64()),
        origin_override: None,
    })
}

/// The one resource of `kind` in a CloudFormation template.
fn cloudformation_resource<'a>(
    template: &'a serde_yaml_ng::Value,
    kind: &str,
) -> Result<&'a serde_yaml_ng::Value, String> {
    let resources = yaml_at(template, &["Resources"])?
        .as_mapping()
        .ok_or("Resources is not a mapping")?;
    let mut of_kind = resources
        .values()
        .filter(|r| r.get("Type").and_then(|t| t.as_str()) == Some(kind));
    match (of_kind.next(), of_kind.next()) {
        (Some(r), None) => Ok(r),
        _ => Err(format!("not exactly one {kind}")),
    }
}

fn yaml_at<'a>(
    mut v: &'a serde_yaml_ng::Value,
    path: &[&str],
) -> Result<&'a serde_yaml_ng::Value, String> {
    for key in path {
        v = v.get(*key).ok_or(format!("no `{key}`"))?;
    }
    Ok(v)
}

/// Just enough HCL for the templates: blocks with labels, attributes whose
/// values are strings, numbers, booleans or lists of them, `#` comments.
/// Anything else is an error, an interpolation (`${`) included, so a value
/// that escaped its string would fail the test.
mod hcl {
    #[derive(Clone, Debug, PartialEq)]
    pub enum Value {
        Str(String),
        Num(u64),
        Bool(bool),
        List(Vec<Value>),
    }

    #[derive(Debug, Default)]
    pub struct Body {
        pub attributes: Vec<(String, Value)>,
        pub blocks: Vec<Block>,
    }

    #[derive(Debug)]
    pub struct Block {
        pub kind: String,
        pub labels: Vec<String>,
        pub body: Body,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Token {
        Ident(String),
        Str(String),
        Num(u64),
        Punct(char),
    }

    fn tokens(text: &str) -> Result<Vec<Token>, String> {
        let mut out = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(&c) = chars.peek() {
            match c {
                c if c.is_whitespace() => {
                    chars.next();
                }
                '#' => while chars.next_if(|&c| c != '\n').is_some() {},
                '{' | '}' | '[' | ']' | '=' | ',' => {
                    chars.next();
                    out.push(Token::Punct(c));
                }
                '"' => {
                    chars.next();
                    out.push(Token::Str(string(&mut chars)?));
                }
                c if c.is_ascii_digit() => {
                    let mut n = String::new();
                    while let Some(d) = chars.next_if(char::is_ascii_digit) {
                        n.push(d);
                    }
                    out.push(Token::Num(n.parse().map_err(|e| format!("{e}"))?));
                }
                c if c.is_ascii_alphabetic() || c == '_' => {
                    let mut name = String::new();
                    while let Some(d) =
                        chars.next_if(|d| d.is_ascii_alphanumeric() || *d == '_' || *d == '-')
                    {
                        name.push(d);
                    }
                    out.push(Token::Ident(name));
                }
                other => return Err(format!("unexpected `{other}`")),
            }
        }
        Ok(out)
    }

    /// A quoted string's content, its escapes undone.
    fn string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, String> {
        let mut s = String::new();
        loop {
            match chars.next().ok_or("an unterminated string")? {
                '"' => return Ok(s),
                '\\' => match chars.next().ok_or("a string ends in `\\`")? {
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    '"' => s.push('"'),
                    '\\' => s.push('\\'),
                    'u' => {
                        let hex: String = chars.take(4).collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|e| format!("{e}"))?;
                        s.push(char::from_u32(code).ok_or("a bad \\u escape")?);
                    }
                    other => return Err(format!("unknown escape `\\{other}`")),
                },
                c @ ('$' | '%') if chars.peek() == Some(&c) => {
                    // `$${` and `%%{` are a literal `${` and `%{`.
                    chars.next();
                    if chars.peek() != Some(&'{') {
                        s.push(c);
                    }
                    s.push(c);
                }
                c @ ('$' | '%') if chars.peek() == Some(&'{') => {
                    return Err(format!("a template sequence `{c}{{` in a string"));
                }
                c => s.push(c),
            }
        }
    }

    struct Parser {
        tokens: Vec<Token>,
        at: usize,
    }

    impl Parser {
        fn next(&mut self) -> Option<Token> {
            let t = self.tokens.get(self.at).cloned();
            self.at += 1;
            t
        }
        fn peek(&self) -> Option<&Token> {
            self.tokens.get(self.at)
        }
        fn expect(&mut self, c: char) -> Result<(), String> {
            match self.next() {
                Some(Token::Punct(p)) if p == c => Ok(()),
                other => Err(format!("expected `{c}`, found {other:?}")),
            }
        }
        fn body(&mut self, nested: bool) -> Result<Body, String> {
            let mut body = Body::default();
            loop {
                match self.next() {
                    None if !nested => return Ok(body),
                    Some(Token::Punct('}')) if nested => return Ok(body),
                    Some(Token::Ident(name)) => {
                        if self.peek() == Some(&Token::Punct('=')) {
                            self.at += 1;
                            if body.attributes.iter().any(|(n, _)| *n == name) {
                                return Err(format!("`{name}` is set twice"));
                            }
                            let value = self.value()?;
                            body.attributes.push((name, value));
                        } else {
                            let mut labels = Vec::new();
                            while let Some(Token::Str(label)) = self.peek().cloned() {
                                self.at += 1;
                                labels.push(label);
                            }
                            self.expect('{')?;
                            let inner = self.body(true)?;
                            body.blocks.push(Block {
                                kind: name,
                                labels,
                                body: inner,
                            });
                        }
                    }
                    other => return Err(format!("unexpected {other:?}")),
                }
            }
        }
        fn value(&mut self) -> Result<Value, String> {
            match self.next() {
                Some(Token::Str(s)) => Ok(Value::Str(s)),
                Some(Token::Num(n)) => Ok(Value::Num(n)),
                Some(Token::Ident(b)) if b == "true" || b == "false" => {
                    Ok(Value::Bool(b == "true"))
                }
                Some(Token::Punct('[')) => {
                    let mut items = Vec::new();
                    loop {
                        if self.peek() == Some(&Token::Punct(']')) {
                            self.at += 1;
                            return Ok(Value::List(items));
                        }
                        items.push(self.value()?);
                        match self.next() {
                            Some(Token::Punct(',')) => {}
                            Some(Token::Punct(']')) => return Ok(Value::List(items)),
                            other => return Err(format!("in a list, {other:?}")),
                        }
                    }
                }
                other => Err(format!("not a value: {other:?}")),
            }
        }
    }

    /// The whole file.
    pub fn parse(text: &str) -> Result<Body, String> {
        Parser {
            tokens: tokens(text)?,
            at: 0,
        }
        .body(false)
    }

    impl Body {
        /// The body of the one `resource "kind" "…"` block.
        pub fn resource(&self, kind: &str) -> Result<&Body, String> {
            let mut found = self.blocks.iter().filter(|b| {
                b.kind == "resource" && b.labels.first().map(String::as_str) == Some(kind)
            });
            match (found.next(), found.next()) {
                (Some(b), None) if b.labels.len() == 2 => Ok(&b.body),
                _ => Err(format!("not exactly one resource {kind}")),
            }
        }
        /// The one nested block named `kind`.
        pub fn block(&self, kind: &str) -> Result<&Body, String> {
            let mut found = self.blocks.iter().filter(|b| b.kind == kind);
            match (found.next(), found.next()) {
                (Some(b), None) => Ok(&b.body),
                _ => Err(format!("not exactly one `{kind}` block")),
            }
        }
        fn attribute(&self, name: &str) -> Option<&Value> {
            self.attributes
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
        }
        /// A list of strings (empty when the attribute is not set).
        pub fn strings(&self, name: &str) -> Result<Vec<String>, String> {
            match self.attribute(name) {
                None => Ok(Vec::new()),
                Some(Value::List(items)) => items
                    .iter()
                    .map(|i| match i {
                        Value::Str(s) => Ok(s.clone()),
                        other => Err(format!("{name} holds {other:?}")),
                    })
                    .collect(),
                Some(other) => Err(format!("{name} is {other:?}, not a list")),
            }
        }
        pub fn bool(&self, name: &str) -> Option<bool> {
            match self.attribute(name) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            }
        }
        pub fn number(&self, name: &str) -> Option<u64> {
            match self.attribute(name) {
                Some(Value::Num(n)) => Some(*n),
                _ => None,
            }
        }
    }
}

/// Exports `policy` to `engine`, snapshots the template, parses it and
/// checks each field against `want`.
fn exported_and_checked(
    dir: &Dir,
    name: &str,
    policy: &str,
    engine: &str,
    narrow: bool,
    want: &Expected,
) {
    let path = dir.file(&format!("{name}.toml"), policy);
    let mut args = vec!["export", &path, "--to", engine];
    if narrow {
        args.push("--narrow");
    }
    let out = corsair(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} → {engine}: {}",
        text(&out.stderr)
    );
    let template = text(&out.stdout);
    // The header comment names the file, which is in a scratch directory.
    insta::assert_snapshot!(
        format!("{name}__{engine}"),
        template.replace(&path, &format!("{name}.toml"))
    );
    let found =
        parse(engine, &template).unwrap_or_else(|e| panic!("{name} → {engine}: {e}\n{template}"));
    let wrong = check(engine, &found, want);
    assert!(
        wrong.is_empty(),
        "{name} → {engine}: {wrong:#?}\n{template}"
    );
}

#[test]
fn one_origin() {
    let dir = Dir::new("one");
    for engine in ENGINES {
        exported_and_checked(&dir, "one", ONE, engine, false, &one());
    }
}

#[test]
fn several_origins_with_credentials_expose_and_max_age() {
    let dir = Dir::new("full");
    for engine in ENGINES {
        exported_and_checked(&dir, "full", FULL, engine, false, &full());
    }
}

/// Patterns cannot be said to either service: refused, each at its line
/// and column; `--narrow` writes the exact origin alone and lists the two
/// patterns as lost.
#[test]
fn a_pattern_is_refused_then_narrowed() {
    let dir = Dir::new("pattern");
    let path = dir.file("pattern.toml", PATTERN);
    for engine in ENGINES {
        let out = corsair(&["export", &path, "--to", engine]);
        assert_eq!(out.status.code(), Some(1), "{engine}");
        assert!(
            out.stdout.is_empty(),
            "{engine}: nothing is written when refused"
        );
        let err = text(&out.stderr);
        for (at, origin) in [
            ("4:4", "https://*.preview.example.com"),
            ("5:4", "https://staging.example.com:*"),
        ] {
            assert!(
                err.contains(&format!("{path}:{at}: `{origin}` is left out")),
                "{engine}: {origin} not located at {at}\n{err}"
            );
        }
        if engine.starts_with("cloudfront") {
            insta::assert_snapshot!(
                format!("pattern_refused__{engine}"),
                err.replace(&path, "corsair.toml")
            );
        }
        exported_and_checked(
            &dir,
            "pattern_narrowed",
            PATTERN,
            engine,
            true,
            &pattern_narrowed(),
        );
        let out = corsair(&["export", &path, "--to", engine, "--narrow"]);
        let lost = text(&out.stderr);
        assert_eq!(lost.matches("narrowed: ").count(), 2, "{engine}: {lost}");
    }
}

/// A method outside CloudFront's list is refused there (API Gateway takes
/// it), and narrowed away.
#[test]
fn a_method_cloudfront_has_no_name_for_is_refused_then_narrowed() {
    let dir = Dir::new("purge");
    let path = dir.file("purge.toml", PURGE);
    for engine in ["cloudfront", "cloudfront-terraform"] {
        let out = corsair(&["export", &path, "--to", engine]);
        assert_eq!(out.status.code(), Some(1), "{engine}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("{path}:3:20: `PURGE` is left out")),
            "{engine}: {err}"
        );
        exported_and_checked(
            &dir,
            "purge_narrowed",
            PURGE,
            engine,
            true,
            &purge_narrowed(),
        );
    }
    let out = corsair(&["export", &path, "--to", "api-gateway-terraform"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"PURGE\""));
}

/// The checks can fail: the FULL export of each engine with one field
/// wrong, in the parsed fields and in the template's text, is caught.
#[test]
fn a_wrong_field_fails_the_check() {
    let dir = Dir::new("wrong");
    let path = dir.file("full.toml", FULL);
    type Mutation = (&'static str, fn(&mut Found));
    let mutations: [Mutation; 10] = [
        ("an origin lost", |f| {
            f.origins.pop();
        }),
        ("an origin added", |f| {
            f.origins.push("https://evil.example".into())
        }),
        ("a method added", |f| f.methods.push("OPTIONS".into())),
        ("a method lost", |f| f.methods.retain(|m| m != "PATCH")),
        ("a request header lost", |f| {
            f.headers.retain(|h| h != "authorization")
        }),
        ("a request header added", |f| {
            f.headers.push("x-other".into())
        }),
        ("an exposed header lost", |f| f.expose.clear()),
        ("credentials off", |f| f.credentials = Some(false)),
        ("max-age changed", |f| f.max_age = Some(601)),
        ("a header upper-case", |f| {
            f.headers = f.headers.iter().map(|h| h.to_uppercase()).collect()
        }),
    ];
    for engine in ENGINES {
        let out = corsair(&["export", &path, "--to", engine]);
        let template = text(&out.stdout);
        let found = parse(engine, &template).expect("parses");
        assert!(check(engine, &found, &full()).is_empty());
        for (what, mutate) in &mutations {
            let mut bad = found.clone();
            mutate(&mut bad);
            assert!(
                !check(engine, &bad, &full()).is_empty(),
                "{engine}: {what} passed the check"
            );
        }
        if engine.starts_with("cloudfront") {
            let mut bad = found.clone();
            bad.origin_override = Some(false);
            assert!(!check(engine, &bad, &full()).is_empty(), "{engine}");
            let mut bad = found.clone();
            bad.methods.push("ALL".into());
            assert!(!check(engine, &bad, &full()).is_empty(), "{engine}");
        }
        // In the text: the parser reads what the file says.
        let swapped =
            template.replace("https://partner.example.org", "https://partner.example.net");
        let found = parse(engine, &swapped).expect("parses");
        assert!(
            !check(engine, &found, &full()).is_empty(),
            "{engine}: {swapped}"
        );
        let flipped = template.replacen("true", "false", 1);
        let found = parse(engine, &flipped).expect("parses");
        assert!(
            !check(engine, &found, &full()).is_empty(),
            "{engine}: {flipped}"
        );
    }
}

/// The HCL reader refuses what Terraform would read differently: an
/// interpolation in a string, an attribute set twice.
#[test]
fn the_hcl_reader_is_strict() {
    assert!(hcl::parse("a = \"${var.x}\"\n").is_err());
    assert!(hcl::parse("a = \"$${var.x}\"\n").is_ok());
    assert!(hcl::parse("a = 1\na = 2\n").is_err());
    let body = hcl::parse("resource \"t\" \"n\" {\n  # c\n  b { items = [\"x\", \"y\"] }\n}\n")
        .expect("parses");
    let items = body
        .resource("t")
        .and_then(|r| r.block("b"))
        .and_then(|b| b.strings("items"))
        .expect("items");
    assert_eq!(items, ["x", "y"]);
}
