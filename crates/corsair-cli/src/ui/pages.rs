//! The pages of `corsair ui`: the forms, and a report with the way back.

use corsair_html::{Csp, Html};

use crate::html::{banner, Clean, Writer};

/// One form: its id, heading, action, help, and fields.
struct FormSpec {
    id: &'static str,
    title: &'static str,
    action: &'static str,
    help: &'static str,
    fields: &'static [Field],
    button: &'static str,
    /// Sends a file (`multipart/form-data`).
    file: bool,
}

/// A form field.
enum Field {
    /// One line: name, label, placeholder.
    Line(&'static str, &'static str, &'static str),
    /// Several lines: name, label, placeholder, rows.
    Lines(&'static str, &'static str, &'static str, &'static str),
    /// A checkbox: name, label.
    Check(&'static str, &'static str),
    /// A file: name, label, accepted types.
    File(&'static str, &'static str, &'static str),
}

const FORMS: &[FormSpec] = &[
    FormSpec {
        id: "live",
        title: "Check a live API",
        action: "/check",
        help: "Sends the preflight and the request exactly as the browser would, runs the probes, and shows the fix. Requests that may change data (PUT, POST, DELETE…) are not sent unless you tick “send”.",
        fields: &[
            Field::Line("url", "URL the page requests", "https://api.example.com/items"),
            Field::Line("origin", "Origin of the page", "https://app.example.com"),
            Field::Line("method", "Method", "GET"),
            Field::Lines("headers", "Headers the page's code sets (one “Name: value” a line)", "Authorization: Bearer …", "3"),
            Field::Check("credentials", "With credentials (credentials: 'include', withCredentials)"),
            Field::Check("send", "Send the request itself even if it may change data"),
        ],
        button: "Check",
        file: false,
    },
    FormSpec {
        id: "curl",
        title: "Paste “Copy as cURL”",
        action: "/curl",
        help: "DevTools › Network › right-click the request › Copy › Copy as cURL. Checked live.",
        fields: &[Field::Lines("curl", "cURL command", "curl 'https://api.example.com/items' -H 'origin: https://app.example.com' …", "5")],
        button: "Check the cURL command",
        file: false,
    },
    FormSpec {
        id: "console",
        title: "Paste a console line",
        action: "/console",
        help: "The “Access to fetch at … has been blocked by CORS policy” line from Chrome, Firefox or Safari. Checked live.",
        fields: &[
            Field::Lines("line", "Console line", "Access to fetch at 'https://api.example.com/items' from origin 'https://app.example.com' has been blocked by CORS policy: …", "3"),
            Field::Line("origin", "Origin of the page (Firefox's line does not name it)", "https://app.example.com"),
        ],
        button: "Check the console line",
        file: false,
    },
    FormSpec {
        id: "har",
        title: "Paste a HAR export",
        action: "/har",
        help: "DevTools › Network › Export HAR. Judged from the recorded answers; nothing is sent.",
        fields: &[
            Field::File("harfile", "HAR file", ".har,application/json"),
            Field::Lines("har", "Or paste the export (JSON)", "{\"log\": {\"entries\": […]}}", "4"),
        ],
        button: "Read the HAR",
        file: true,
    },
    FormSpec {
        id: "scenario",
        title: "Explain a scenario",
        action: "/explain",
        help: "A scenario as `corsair explain` reads it: the page's origin, the request, the server's answers. Nothing is sent.",
        fields: &[Field::Lines("scenario", "Scenario (JSON)", "{\"page_origin\": \"https://app.example.com\", \"request\": {…}, \"response\": {…}}", "6")],
        button: "Explain",
        file: false,
    },
    FormSpec {
        id: "policy",
        title: "Lint a corsair.toml",
        action: "/lint",
        help: "Every problem of the policy file, at its line, with the fix.",
        fields: &[Field::Lines("policy", "corsair.toml", "[cors] origins = [\"https://app.example.com\"] …", "6")],
        button: "Lint",
        file: false,
    },
];

/// The page of forms; `token` goes in each.
pub fn home(token: &str) -> String {
    let mut w = Writer::new(Clean::AsIs);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the forms</a>");
    banner(&mut w, "see why the browser blocks it");
    w.raw("<h1>What did the browser block?</h1><p>Paste what you have. Everything runs in this <code>corsair</code> process on your machine; nothing is loaded from the network.</p>");
    w.raw("<nav class=\"toc\" aria-label=\"Forms\">");
    for f in FORMS {
        let href = format!("#{}", f.id);
        w.el("a", &[("href", &href)], f.title);
    }
    w.raw("</nav>");
    for f in FORMS {
        form(&mut w, f, token, &[]);
    }
    w.raw("</main>");
    corsair_html::document("Corsair", Csp::Forms, &w.h)
}

/// The form the user just sent, to change and send again.
pub struct Again<'a> {
    /// Where it was posted (`/check`).
    pub action: &'a str,
    /// The page's token.
    pub token: &'a str,
    /// What it held.
    pub fields: &'a [(String, String)],
}

/// Fields never written back: a HAR export may be megabytes.
const NOT_REFILLED: [&str; 3] = ["token", "har", "harfile"];

/// `f`, its fields holding `filled` (name, value) where given.
fn form(w: &mut Writer<'_>, f: &FormSpec, token: &str, filled: &[(String, String)]) {
    let value = |name: &str| {
        filled
            .iter()
            .find(|(n, _)| n == name && !NOT_REFILLED.contains(&name))
            .map(|(_, v)| v.as_str())
    };
    let legend = format!("{}-legend", f.id);
    let enctype = if f.file {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    w.open(
        "form",
        &[
            ("id", f.id),
            ("method", "post"),
            ("action", f.action),
            ("enctype", enctype),
            ("aria-labelledby", &legend),
        ],
    );
    w.open("fieldset", &[]);
    w.el("legend", &[("id", &legend)], f.title);
    w.el("p", &[("class", "muted")], f.help);
    w.h.open(
        "input",
        &[("type", "hidden"), ("name", "token"), ("value", token)],
    );
    for field in f.fields {
        match field {
            Field::Line(name, label, placeholder) => {
                let id = format!("{}-{name}", f.id);
                w.el("label", &[("for", &id)], label);
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("type", "text"),
                    ("id", &id),
                    ("name", name),
                    ("placeholder", placeholder),
                    ("autocomplete", "off"),
                    ("spellcheck", "false"),
                ];
                if let Some(v) = value(name) {
                    attrs.push(("value", v));
                }
                w.h.open("input", &attrs);
            }
            Field::Lines(name, label, placeholder, rows) => {
                let id = format!("{}-{name}", f.id);
                w.el("label", &[("for", &id)], label);
                w.open(
                    "textarea",
                    &[
                        ("id", &id),
                        ("name", name),
                        ("placeholder", placeholder),
                        ("rows", rows),
                        ("spellcheck", "false"),
                    ],
                );
                if let Some(v) = value(name) {
                    w.h.lines(v);
                }
                w.close("textarea");
            }
            Field::File(name, label, accept) => {
                let id = format!("{}-{name}", f.id);
                w.el("label", &[("for", &id)], label);
                w.h.open(
                    "input",
                    &[
                        ("type", "file"),
                        ("id", &id),
                        ("name", name),
                        ("accept", accept),
                    ],
                );
            }
            Field::Check(name, label) => {
                let id = format!("{}-{name}", f.id);
                w.raw("<div>");
                let mut attrs: Vec<(&'static str, &str)> = vec![
                    ("type", "checkbox"),
                    ("id", &id),
                    ("name", name),
                    ("value", "on"),
                ];
                if value(name).is_some_and(|v| !v.is_empty()) {
                    attrs.push(("checked", "checked"));
                }
                w.h.open("input", &attrs);
                w.raw(" ");
                w.el("label", &[("for", &id), ("class", "inline")], label);
                w.raw("</div>");
            }
        }
    }
    w.el("button", &[("type", "submit")], f.button);
    w.close("fieldset");
    w.close("form");
}

/// A report page: `body` (already written, its values escaped), under a
/// way back to the forms, and the form sent (`again`) to change and send
/// once more.
pub fn result(title: &str, body: &Html, again: Option<&Again<'_>>) -> String {
    let mut w = Writer::new(Clean::AsIs);
    w.raw("<a class=\"skip\" href=\"#main\">Skip to the report</a>");
    banner(&mut w, "report");
    w.raw("<p><a href=\"/\" id=\"back\">← Check something else</a></p>");
    w.h.append(body);
    if let Some(a) = again {
        if let Some(f) = FORMS.iter().find(|f| f.action == a.action) {
            w.raw("<section aria-labelledby=\"h-again\" class=\"again\"><h2 id=\"h-again\">Change it and check again</h2>");
            form(&mut w, f, a.token, a.fields);
            w.raw("</section>");
        }
    }
    w.raw("</main>");
    corsair_html::document(title, Csp::Forms, &w.h)
}

/// A page saying why nothing was checked (with the form sent, to fix).
pub fn problem(message: &str, again: Option<&Again<'_>>) -> String {
    let mut body = Html::new();
    body.raw("<h1>Nothing checked</h1><div class=\"error-box\" role=\"alert\" id=\"error\">");
    body.text(message);
    body.raw("</div>");
    result("Corsair: nothing checked", &body, again)
}
