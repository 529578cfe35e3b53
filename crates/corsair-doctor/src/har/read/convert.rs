//! From the value tree ([`Lite`]) to entries, pages and the creator.

use std::fmt;

use super::super::{
    Entry, HarRequest, HarResponse, Initiator, Page, MAX_HEADERS, MAX_PAGES, STRING_CAP,
};
use super::shape::{Lite, SHORT};

type Fields = Vec<(&'static str, Lite)>;
type HeaderList = Vec<(String, String)>;

fn take(fields: &mut Fields, name: &str) -> Lite {
    match fields.iter().position(|(n, _)| *n == name) {
        Some(i) => fields.swap_remove(i).1,
        None => Lite::Null,
    }
}

fn as_object(lite: Lite, path: &dyn fmt::Display) -> Result<Option<Fields>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Object(fields) => Ok(Some(fields)),
        Lite::Wrong(kind) => Err(format!("{path}: expected an object, found {kind}")),
        _ => Err(format!("{path}: expected an object")),
    }
}

fn as_text(lite: Lite, path: &dyn fmt::Display) -> Result<Option<(String, bool)>, String> {
    match lite {
        Lite::Null => Ok(None),
        Lite::Text(s, was_cut) => Ok(Some((s, was_cut))),
        Lite::Wrong(kind) => Err(format!("{path}: expected a string, found {kind}")),
        _ => Err(format!("{path}: expected a string")),
    }
}

/// A string field; empty strings count as missing.
fn text_field(fields: &mut Fields, name: &str, path: &str) -> Result<Option<String>, String> {
    // The path is written out only for an error: formatting it for every
    // field was a tenth of the time on files of small entries.
    Ok(as_text(take(fields, name), &format_args!("{path}.{name}"))?
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty()))
}

/// A header list: the headers and whether it had a credential header. A list
/// longer than [`MAX_HEADERS`] is cut there, and names and values longer
/// than [`SHORT`] bytes too, with a note in `cuts`.
fn headers(
    lite: Lite,
    path: &str,
    credential_names: &[&str],
    cuts: &mut Vec<String>,
) -> Result<(Vec<(String, String)>, bool), String> {
    let items = match lite {
        Lite::Null => return Ok((Vec::new(), false)),
        Lite::List(items, total) => {
            if total > items.len() {
                cuts.push(format!(
                    "{path} has {total} headers; only the first {MAX_HEADERS} are read (the bound per list)"
                ));
            }
            items
        }
        Lite::Wrong(kind) => return Err(format!("{path}: expected a list, found {kind}")),
        _ => return Err(format!("{path}: expected a list")),
    };
    let mut out = Vec::with_capacity(items.len());
    let mut credentials = false;
    let mut long = 0;
    for (i, item) in items.into_iter().enumerate() {
        let Some(mut fields) = as_object(item, &format_args!("{path}[{i}]"))? else {
            continue;
        };
        let name = as_text(take(&mut fields, "name"), &format_args!("{path}[{i}].name"))?;
        let value = as_text(
            take(&mut fields, "value"),
            &format_args!("{path}[{i}].value"),
        )?;
        let Some((name, name_cut)) = name.filter(|(n, _)| !n.is_empty()) else {
            continue;
        };
        credentials |= credential_names
            .iter()
            .any(|c| name.eq_ignore_ascii_case(c));
        let (value, value_cut) = value.unwrap_or_default();
        long += usize::from(name_cut || value_cut);
        out.push((name, value));
    }
    if long > 0 {
        cuts.push(format!(
            "{path}: {long} headers with a name or value longer than {} KiB, cut there (the bound per header)",
            SHORT / 1024
        ));
    }
    Ok((out, credentials))
}

/// Whether a `cookies` list has items (it must be a list when present).
fn has_cookies(lite: Lite, path: &dyn fmt::Display) -> Result<bool, String> {
    match lite {
        Lite::Null => Ok(false),
        Lite::List(_, total) => Ok(total > 0),
        Lite::Wrong(kind) => Err(format!("{path}: expected a list, found {kind}")),
        _ => Err(format!("{path}: expected a list")),
    }
}

/// Splits HTTP/2 pseudo-headers (`:authority`, ...) off a header list.
fn split_pseudo(headers: HeaderList) -> (HeaderList, HeaderList) {
    headers.into_iter().partition(|(n, _)| !n.starts_with(':'))
}

fn status_of(value: f64) -> u16 {
    if value.is_finite() && (0.0..=65535.0).contains(&value) {
        value as u16
    } else {
        0
    }
}

pub(super) fn convert_entry(
    lite: Lite,
    index: usize,
    cuts: &mut Vec<String>,
) -> Result<(Entry, bool), String> {
    let Some(mut fields) = as_object(lite, &"entry")? else {
        return Err("entry: expected an object, found null".into());
    };
    let Some(mut req) = as_object(take(&mut fields, "request"), &"request")? else {
        return Err("request: missing".into());
    };
    let (req_headers, mut credentials) = headers(
        take(&mut req, "headers"),
        "request.headers",
        &["cookie", "authorization"],
        cuts,
    )?;
    credentials |= has_cookies(take(&mut req, "cookies"), &"request.cookies")?;
    let (req_headers, pseudo) = split_pseudo(req_headers);
    let pseudo_value = |name: &str| {
        pseudo
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let method = text_field(&mut req, "method", "request")?
        .or_else(|| pseudo_value(":method"))
        .unwrap_or_default();
    let url = as_text(take(&mut req, "url"), &"request.url")?.filter(|(u, _)| !u.is_empty());
    if let Some((u, was_cut)) = &url {
        // The reader below the parser cuts at the same bound, so a cut URL
        // arrives exactly that long.
        if *was_cut || u.len() >= STRING_CAP {
            cuts.push(format!(
                "request.url is longer than {} KiB; cut there (the bound per string)",
                STRING_CAP / 1024
            ));
        }
    }
    let url = match url.map(|(u, _)| u) {
        Some(url) => url,
        None => match (
            pseudo_value(":scheme"),
            pseudo_value(":authority"),
            pseudo_value(":path"),
        ) {
            (Some(scheme), Some(authority), path) => {
                format!(
                    "{scheme}://{authority}{}",
                    path.unwrap_or_else(|| "/".into())
                )
            }
            _ => return Err("request.url: missing".into()),
        },
    };
    let http_version = text_field(&mut req, "httpVersion", "request")?.unwrap_or_default();
    let (body_prefix, body_truncated) =
        match as_object(take(&mut req, "postData"), &"request.postData")? {
            Some(mut post) => match as_text(take(&mut post, "text"), &"request.postData.text")? {
                Some((text, was_cut)) => (Some(text), was_cut),
                None => (None, false),
            },
            None => (None, false),
        };
    let request = HarRequest {
        method,
        url,
        http_version,
        headers: req_headers,
        body_prefix,
        body_truncated,
    };

    let response = match as_object(take(&mut fields, "response"), &"response")? {
        Some(mut res) => {
            let (res_headers, set_cookie) = headers(
                take(&mut res, "headers"),
                "response.headers",
                &["set-cookie"],
                cuts,
            )?;
            credentials |= set_cookie;
            credentials |= has_cookies(take(&mut res, "cookies"), &"response.cookies")?;
            let (res_headers, pseudo) = split_pseudo(res_headers);
            let status = match take(&mut res, "status") {
                Lite::Number(n) => status_of(n),
                Lite::Null => pseudo
                    .iter()
                    .find(|(n, _)| n == ":status")
                    .and_then(|(_, v)| v.trim().parse::<u16>().ok())
                    .unwrap_or(0),
                Lite::Wrong(kind) => {
                    return Err(format!("response.status: expected a number, found {kind}"))
                }
                _ => return Err("response.status: expected a number".into()),
            };
            let redirect_url = text_field(&mut res, "redirectURL", "response")?;
            let error = text_field(&mut res, "_error", "response")?;
            let (body_prefix, body_truncated, mime_type) =
                match as_object(take(&mut res, "content"), &"response.content")? {
                    Some(mut content) => {
                        let mime = text_field(&mut content, "mimeType", "response.content")?;
                        let text = as_text(take(&mut content, "text"), &"response.content.text")?;
                        let was_cut = text.as_ref().is_some_and(|t| t.1);
                        (text.map(|t| t.0), was_cut, mime.unwrap_or_default())
                    }
                    None => (None, false, String::new()),
                };
            HarResponse {
                status,
                headers: res_headers,
                redirect_url,
                error,
                body_prefix,
                body_truncated,
                mime_type,
            }
        }
        None => HarResponse::default(),
    };

    let initiator = match as_object(take(&mut fields, "_initiator"), &"_initiator")? {
        Some(mut ini) => Some(Initiator {
            kind: text_field(&mut ini, "type", "_initiator")?.unwrap_or_default(),
            url: text_field(&mut ini, "url", "_initiator")?,
            request_id: text_field(&mut ini, "requestId", "_initiator")?,
        }),
        None => None,
    };
    let entry = Entry {
        index,
        started: text_field(&mut fields, "startedDateTime", "entry")?,
        page_ref: text_field(&mut fields, "pageref", "entry")?,
        request,
        response,
        resource_type: text_field(&mut fields, "_resourceType", "entry")?,
        initiator,
        from_cache: text_field(&mut fields, "_fromCache", "entry")?,
        request_id: text_field(&mut fields, "_requestId", "entry")?,
    };
    Ok((entry, credentials))
}

/// Adds the pages of a `pages` list to `pages`, up to [`MAX_PAGES`]; returns
/// how many were left out.
pub(super) fn take_pages(lite: Lite, pages: &mut Vec<Page>) -> usize {
    let Lite::List(items, total) = lite else {
        return 0;
    };
    let mut left_out = total.saturating_sub(items.len());
    for item in items {
        if pages.len() >= MAX_PAGES {
            left_out += 1;
            continue;
        }
        let Lite::Object(mut fields) = item else {
            continue;
        };
        let text = |fields: &mut Fields, name: &str| match take(fields, name) {
            Lite::Text(s, _) => Some(s),
            _ => None,
        };
        pages.push(Page {
            id: text(&mut fields, "id").unwrap_or_default(),
            title: text(&mut fields, "title").unwrap_or_default(),
            started: text(&mut fields, "startedDateTime"),
        });
    }
    left_out
}

pub(super) fn take_creator(lite: Lite) -> Option<String> {
    let Lite::Object(mut fields) = lite else {
        return None;
    };
    let mut parts = Vec::new();
    for name in ["name", "version"] {
        if let Lite::Text(s, _) = take(&mut fields, name) {
            if !s.trim().is_empty() {
                parts.push(s.trim().to_owned());
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(" "))
}
