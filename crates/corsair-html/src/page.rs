//! The page shell: doctype, title, inline CSS and the policy that keeps
//! every page script-free and offline.

use crate::escape::escape;
use crate::markup::Html;

/// What a page may do, as its Content-Security-Policy says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Csp {
    /// A report file or a read-only page: nothing but its inline CSS and
    /// `data:` images; no form goes anywhere.
    Report,
    /// A page of `corsair ui`: forms post back to the server that served it.
    Forms,
}

impl Csp {
    /// The referrer policy: a report leaks nothing; a `corsair ui` form
    /// must carry its own origin so the server can tell its page from
    /// another site's (with `no-referrer` a form's Origin is `null`).
    pub fn referrer(self) -> &'static str {
        match self {
            Csp::Report => "no-referrer",
            Csp::Forms => "same-origin",
        }
    }

    /// The policy's text, as the page's `<meta>` carries it.
    pub fn value(self) -> &'static str {
        match self {
            Csp::Report => "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
            Csp::Forms => "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'",
        }
    }

    /// The policy as a served page sends it in its header: also no framing
    /// (a directive a `<meta>` policy cannot carry).
    pub fn header_value(self) -> &'static str {
        match self {
            Csp::Report => "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            Csp::Forms => "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        }
    }
}

/// A whole page: `title`, then `body`, with the shared style inline.
pub fn document(title: &str, csp: Csp, body: &Html) -> String {
    refreshing(title, csp, body, None)
}

/// [`document`] that the browser reloads every `seconds` (a live page
/// without a script).
pub fn refreshing(title: &str, csp: Csp, body: &Html, seconds: Option<u32>) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 512);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    if let Some(s) = seconds {
        out.push_str(&format!("<meta http-equiv=\"refresh\" content=\"{s}\">\n"));
    }
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"");
    out.push_str(csp.value());
    out.push_str("\">\n<meta name=\"referrer\" content=\"");
    out.push_str(csp.referrer());
    out.push_str("\">\n<title>");
    out.push_str(&escape(title));
    out.push_str("</title>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(body.as_str());
    out.push_str("\n</body>\n</html>\n");
    out
}

/// One stylesheet for every page. Long values (URLs, header values,
/// console lines) wrap anywhere, so no page scrolls sideways on a phone.
const STYLE: &str = r#"
:root{--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--red:#b3261e;--redbg:#fdecea;--green:#1a7f37;--greenbg:#e9f7ef;--amber:#8a5a00;--amberbg:#fff5d6;--blue:#0b57d0}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;overflow-wrap:anywhere;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1040px;margin:0 auto;padding:16px}
header.top{background:#0d1b2a;color:#fff;padding:10px 16px}
header.top a{color:#fff}
h1{font-size:1.5rem;margin:.4em 0}
h2{font-size:1.2rem;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);padding-bottom:.2em}
h3{font-size:1rem;margin:1.2em 0 .4em}
p,li,td,th,dd,dt,pre,code,label,summary{overflow-wrap:anywhere}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em}
pre{white-space:pre-wrap;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:10px;margin:.4em 0}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin:.4em 0}
th,td{border:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top}
th{background:var(--soft)}
a{color:var(--blue)}
a:focus-visible,button:focus-visible,input:focus-visible,textarea:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--blue);outline-offset:2px}
.verdict{border-radius:8px;padding:12px 14px;margin:.6em 0;border:1px solid}
.verdict.blocked{background:var(--redbg);border-color:var(--red)}
.verdict.allowed,.verdict.same-origin{background:var(--greenbg);border-color:var(--green)}
.verdict.incomplete,.verdict.opaque{background:var(--amberbg);border-color:var(--amber)}
.word{font-weight:700;letter-spacing:.03em}
.blocked .word,.sev-error{color:var(--red)}
.allowed .word,.same-origin .word,.ok{color:var(--green)}
.incomplete .word,.opaque .word,.sev-warning{color:var(--amber)}
.sev-info,.muted{color:var(--muted)}
.engines{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:8px}
.engine{border:1px solid var(--line);border-radius:6px;padding:8px}
.engine h3{margin:0 0 .3em}
.seq ol{list-style:none;margin:0;padding:0}
.seq{border:1px solid var(--line);border-radius:8px;background:var(--soft)}
.lanes{display:flex;justify-content:space-between;font-weight:700;padding:8px 10px;border-bottom:1px solid var(--line)}
.lanes span{max-width:48%}
.lanes span:last-child{text-align:right}
.msg{padding:6px 10px;border-bottom:1px dashed var(--line)}
.msg:last-child{border-bottom:0}
.arrow{position:relative;height:0;border-top:2px solid var(--fg);margin:4px 10px 6px}
.msg.out .arrow::after,.msg.back .arrow::before{content:"";position:absolute;top:-7px;border:6px solid transparent}
.msg.out .arrow::after{right:-10px;border-left:10px solid var(--fg)}
.msg.back .arrow::before{left:-10px;border-right:10px solid var(--fg)}
.msg.back{text-align:right}
.msg.back .hdrs{text-align:left}
.msg.fail .arrow{border-top-color:var(--red);border-top-style:dashed}
.msg.fail .arrow::before{border-right-color:var(--red)}
.msg.fail .arrow::after{border-left-color:var(--red)}
.msg.fail{background:var(--redbg)}
.hop{font-size:.85em;color:var(--muted)}
.says{border-left:4px solid var(--red);background:#fff;padding:6px 8px;margin:6px 0;text-align:left}
.hdrs{margin:2px 0;font-size:.85em}
.hdrs summary{cursor:pointer;color:var(--muted)}
.finding{border:1px solid var(--line);border-radius:6px;padding:8px 10px;margin:8px 0}
.tag{display:inline-block;border:1px solid currentColor;border-radius:4px;padding:0 5px;font-size:.8em;font-family:ui-monospace,monospace}
.src{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.88em;background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:4px 0}
.src .line.hit{color:inherit}
.c-t{width:5.5em}.c-n{width:4.5em}.c-m{width:5.5em}.c-s{width:4.5em}.c-v{width:8.5em}
.src .line{display:flex}
.src .no{flex:0 0 3.5em;color:var(--muted);text-align:right;padding-right:.8em;user-select:none}
.src .code{flex:1 1 auto;white-space:pre-wrap;overflow-wrap:anywhere}
.src .line.hit{background:var(--redbg)}
.src .line.hit.sev-warning{background:var(--amberbg)}
mark{background:#ffd8d3;color:inherit;text-decoration:underline wavy var(--red)}
nav.toc{font-size:.9em}
nav.toc a{margin-right:.8em;display:inline-block}
form{margin:.4em 0}
fieldset{border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:0 0 14px}
legend{font-weight:700;padding:0 4px}
label{display:block;margin:.5em 0 .15em;font-weight:600}
label.inline{display:inline;font-weight:400}
input[type=text],input[type=url],textarea,select{width:100%;max-width:100%;font:inherit;padding:6px 8px;border:1px solid #8c959f;border-radius:6px}
textarea{min-height:6em;font-family:ui-monospace,monospace;font-size:.88em}
button{font:inherit;font-weight:600;padding:7px 14px;margin-top:8px;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:8px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px;background:var(--soft)}
.card .n{font-size:1.6rem;font-weight:700}
.error-box{border:1px solid var(--red);background:var(--redbg);border-radius:6px;padding:8px 10px}
.skip{position:absolute;left:-999px}
.skip:focus{left:8px;top:8px;background:#fff;padding:4px;z-index:1}
@media (max-width:600px){main{padding:10px}.c-n{width:3.5em}.c-m{width:4.5em}.c-s{width:3.5em}.c-v{width:6.5em}th,td{padding:3px 4px;font-size:.9em}.lanes{font-size:.85em}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shell_escapes_its_title_and_forbids_scripts() {
        let mut body = Html::new();
        body.el("p", &[], "hi");
        let page = document("<x>", Csp::Report, &body);
        assert!(page.contains("<title>&lt;x&gt;</title>"));
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("script-src"));
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
