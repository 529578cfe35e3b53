//! `multipart/form-data` bodies (the HAR form's file upload), read into
//! the same name/value pairs as an urlencoded form.

/// A body that is not well-formed multipart.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The Content-Type names no boundary.
    #[error("the form's Content-Type has no boundary")]
    NoBoundary,
    /// A part is cut or lacks its headers.
    #[error("the form's body is cut or malformed")]
    Malformed,
    /// A field's value is not UTF-8 text.
    #[error("the field {0} is not UTF-8 text")]
    NotText(String),
}

/// The boundary a `multipart/form-data; boundary=…` Content-Type names.
pub fn boundary(content_type: &str) -> Result<&str, MultipartError> {
    content_type
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .find(|b| !b.is_empty() && b.len() <= 70)
        .ok_or(MultipartError::NoBoundary)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// The name of a part, from its `Content-Disposition: form-data; name="…"`.
fn part_name(head: &str) -> Option<String> {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let at = line.find("name=\"")? + 6;
    let end = line[at..].find('"')? + at;
    Some(line[at..end].to_owned())
}

/// Every part's name and text, in order.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<(String, String)>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or(MultipartError::Malformed)? + delimiter.len();
    let mut fields = Vec::new();
    loop {
        // After a delimiter: `--` ends the body, CRLF starts a part.
        match body.get(at..at + 2) {
            Some(b"--") => return Ok(fields),
            Some(b"\r\n") => at += 2,
            _ => return Err(MultipartError::Malformed),
        }
        let head_end = find(body, b"\r\n\r\n", at).ok_or(MultipartError::Malformed)?;
        let head = String::from_utf8_lossy(&body[at..head_end]).into_owned();
        let start = head_end + 4;
        let mut next = Vec::with_capacity(delimiter.len() + 2);
        next.extend_from_slice(b"\r\n");
        next.extend_from_slice(delimiter);
        let end = find(body, &next, start).ok_or(MultipartError::Malformed)?;
        let name = part_name(&head).ok_or(MultipartError::Malformed)?;
        let value = String::from_utf8(body[start..end].to_vec())
            .map_err(|_| MultipartError::NotText(name.clone()))?;
        fields.push((name, value));
        at = end + next.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_become_fields() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nabc\r\n--XyZ\r\nContent-Disposition: form-data; name=\"harfile\"; filename=\"a.har\"\r\nContent-Type: application/json\r\n\r\n{\"log\":\r\n{}}\r\n--XyZ--\r\n";
        assert_eq!(boundary("multipart/form-data; boundary=XyZ"), Ok("XyZ"));
        let fields = parse(body, "XyZ").expect("a form");
        assert_eq!(
            fields,
            [
                ("token".to_owned(), "abc".to_owned()),
                ("harfile".to_owned(), "{\"log\":\r\n{}}".to_owned())
            ]
        );
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert_eq!(
            boundary("multipart/form-data"),
            Err(MultipartError::NoBoundary)
        );
        assert_eq!(
            parse(b"--XyZ\r\nno end", "XyZ"),
            Err(MultipartError::Malformed)
        );
        assert_eq!(parse(b"nothing", "XyZ"), Err(MultipartError::Malformed));
        let binary = b"--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n\xff\xfe\r\n--B--";
        assert_eq!(parse(binary, "B"), Err(MultipartError::NotText("f".into())));
    }
}
