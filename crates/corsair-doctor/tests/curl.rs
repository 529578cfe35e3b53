//! Copy-as-cURL parsing: real DevTools copies (Chrome bash and cmd, Firefox
//! POSIX and Windows), curl's options, and the errors.

use corsair_doctor::curl::{parse, CurlError, CurlRequest};

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

fn req(method: &str, url: &str) -> CurlRequest {
    CurlRequest {
        url: url.into(),
        method: method.into(),
        ..CurlRequest::default()
    }
}

/// Chrome 130, "Copy as cURL (bash)", a PUT with cookies, many headers and a
/// JSON body that needs ANSI-C quoting (a quote, an escaped newline, a `!`,
/// a tab and a non-ASCII character).
const CHROME_BASH: &str = r#"curl 'https://api.example.com/v1/items/42?tags=\[a\]&q=caf%C3%A9' \
  -X 'PUT' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-US,en;q=0.9,fr;q=0.8' \
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' \
  -H 'content-type: application/json' \
  -b 'session=abc123; theme=dark' \
  -H 'origin: https://app.example.com' \
  -H 'priority: u=1, i' \
  -H 'referer: https://app.example.com/' \
  -H 'sec-ch-ua: "Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"' \
  -H 'sec-ch-ua-mobile: ?0' \
  -H 'sec-ch-ua-platform: "macOS"' \
  -H 'sec-fetch-dest: empty' \
  -H 'sec-fetch-mode: cors' \
  -H 'sec-fetch-site: same-site' \
  -H 'user-agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36' \
  -H 'x-empty;' \
  --data-raw $'{"name":"it\'s caf\u00e9","note":"line1\\nline2","bang":"hi\u0021","tab":"\t","raw":"\x41"}' \
  --compressed"#;

/// Chrome 130, "Copy as cURL (cmd)" of a similar request: `^"` quoting,
/// `^\^"` for a quote inside a value, `^%` and the `%^` trick, `^&`, doubled
/// backslashes, `^` line continuations (with CRLF line ends, as pasted on
/// Windows), and a line break inside a value (`^` + two line breaks).
const CHROME_CMD: &str = "curl ^\"https://api.example.com/v1/items/42?q=a^%^20b^&x=1^\" ^\r\n  -X ^\"PUT^\" ^\r\n  -H ^\"accept: application/json, text/plain, */*^\" ^\r\n  -H ^\"content-type: application/json^\" ^\r\n  -b ^\"session=abc123; theme=dark^\" ^\r\n  -H ^\"origin: https://app.example.com^\" ^\r\n  -H ^\"sec-ch-ua: ^\\^\"Chromium^\\^\";v=^\\^\"130^\\^\"^\" ^\r\n  -H ^\"user-agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64)^\" ^\r\n  --data-raw ^\"^{^\\^\"name^\\^\":^\\^\"50^% off ^<b^>^\\^\",^\\^\"path^\\^\":^\\^\"C:^\\^\\^\\^\\temp^\\^\",^\\^\"text^\\^\":^\\^\"a^\n\nb^\\^\"^}^\" ^\r\n  --compressed";

/// Firefox 128 "Copy as cURL (POSIX)": `-X POST` unquoted, `Name: value`
/// headers, a `Cookie` header, `\xHH` and `\041` in the body.
const FIREFOX_POSIX: &str = r#"curl 'https://api.example.com/v1/items' \
  --compressed \
  -X POST \
  -H 'User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' \
  -H 'Accept: application/json' \
  -H 'Accept-Language: en-US,en;q=0.5' \
  -H 'Accept-Encoding: gzip, deflate, br, zstd' \
  -H 'Content-Type: application/json' \
  -H 'Origin: https://app.example.com' \
  -H 'Connection: keep-alive' \
  -H 'Referer: https://app.example.com/' \
  -H 'Cookie: session=abc' \
  -H 'Sec-Fetch-Dest: empty' \
  -H 'Sec-Fetch-Mode: cors' \
  -H 'Sec-Fetch-Site: same-site' \
  --data-raw $'{"city":"K\xf6ln","bang":"wow\041"}'"#;

/// Firefox 128 "Copy as cURL (Windows)": `curl.exe`, `^"` quoting, `^\` for
/// a backslash (not doubled).
const FIREFOX_WINDOWS: &str = "curl.exe ^\"https://api.example.com/v1/items?a=1^&b=2^\" ^\n  --compressed ^\n  -X POST ^\n  -H ^\"Accept: application/json^\" ^\n  -H ^\"Content-Type: application/json^\" ^\n  -H ^\"Origin: https://app.example.com^\" ^\n  --data-raw ^\"^{^\\^\"dir^\\^\":^\\^\"C:^\\temp^\\^\"^}^\"";

/// Older Firefox and Chrome "Copy as cURL (Windows)": plain double quotes,
/// `""` for a quote, `"%"` for a percent sign.
const OLD_WINDOWS: &str = r#"curl "https://api.example.com/v1/items?a=1&b=2" -H "Accept: */*" -H "Origin: https://app.example.com" --data "{""a"":""50"%"""}" --compressed"#;

#[test]
fn real_copies() {
    let cases: Vec<(&str, &str, CurlRequest)> = vec![
        (
            "chrome bash",
            CHROME_BASH,
            CurlRequest {
                url: "https://api.example.com/v1/items/42?tags=[a]&q=caf%C3%A9".into(),
                method: "PUT".into(),
                headers: h(&[
                    ("accept", "application/json, text/plain, */*"),
                    ("accept-language", "en-US,en;q=0.9,fr;q=0.8"),
                    ("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"),
                    ("content-type", "application/json"),
                    ("origin", "https://app.example.com"),
                    ("priority", "u=1, i"),
                    ("referer", "https://app.example.com/"),
                    (
                        "sec-ch-ua",
                        r#""Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99""#,
                    ),
                    ("sec-ch-ua-mobile", "?0"),
                    ("sec-ch-ua-platform", r#""macOS""#),
                    ("sec-fetch-dest", "empty"),
                    ("sec-fetch-mode", "cors"),
                    ("sec-fetch-site", "same-site"),
                    (
                        "user-agent",
                        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
                    ),
                    ("x-empty", ""),
                ]),
                cookies: Some("session=abc123; theme=dark".into()),
                body: Some(
                    "{\"name\":\"it's café\",\"note\":\"line1\\nline2\",\"bang\":\"hi!\",\"tab\":\"\t\",\"raw\":\"A\"}"
                        .into(),
                ),
                insecure: false,
                ignored: s(&["--compressed"]),
            },
        ),
        (
            "chrome cmd",
            CHROME_CMD,
            CurlRequest {
                url: "https://api.example.com/v1/items/42?q=a%20b&x=1".into(),
                method: "PUT".into(),
                headers: h(&[
                    ("accept", "application/json, text/plain, */*"),
                    ("content-type", "application/json"),
                    ("origin", "https://app.example.com"),
                    ("sec-ch-ua", r#""Chromium";v="130""#),
                    ("user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"),
                ]),
                cookies: Some("session=abc123; theme=dark".into()),
                body: Some(r#"{"name":"50% off <b>","path":"C:\\temp","text":"a
b"}"#
                    .into()),
                insecure: false,
                ignored: s(&["--compressed"]),
            },
        ),
        (
            "firefox posix",
            FIREFOX_POSIX,
            CurlRequest {
                url: "https://api.example.com/v1/items".into(),
                method: "POST".into(),
                headers: h(&[
                    (
                        "User-Agent",
                        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                    ),
                    ("Accept", "application/json"),
                    ("Accept-Language", "en-US,en;q=0.5"),
                    ("Accept-Encoding", "gzip, deflate, br, zstd"),
                    ("Content-Type", "application/json"),
                    ("Origin", "https://app.example.com"),
                    ("Connection", "keep-alive"),
                    ("Referer", "https://app.example.com/"),
                    ("Sec-Fetch-Dest", "empty"),
                    ("Sec-Fetch-Mode", "cors"),
                    ("Sec-Fetch-Site", "same-site"),
                ]),
                cookies: Some("session=abc".into()),
                body: Some(r#"{"city":"Köln","bang":"wow!"}"#.into()),
                insecure: false,
                ignored: s(&["--compressed"]),
            },
        ),
        (
            "firefox windows",
            FIREFOX_WINDOWS,
            CurlRequest {
                url: "https://api.example.com/v1/items?a=1&b=2".into(),
                method: "POST".into(),
                headers: h(&[
                    ("Accept", "application/json"),
                    ("Content-Type", "application/json"),
                    ("Origin", "https://app.example.com"),
                ]),
                body: Some(r#"{"dir":"C:\temp"}"#.into()),
                ignored: s(&["--compressed"]),
                ..CurlRequest::default()
            },
        ),
        (
            "old windows",
            OLD_WINDOWS,
            CurlRequest {
                url: "https://api.example.com/v1/items?a=1&b=2".into(),
                method: "POST".into(),
                headers: h(&[("Accept", "*/*"), ("Origin", "https://app.example.com")]),
                body: Some(r#"{"a":"50%"}"#.into()),
                ignored: s(&["--compressed"]),
                ..CurlRequest::default()
            },
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(parse(input), Ok(expected), "{name}");
    }
}

#[test]
fn options() {
    let cases: Vec<(&str, CurlRequest)> = vec![
        // -u: Basic authorization, base64 of user:password.
        (
            "curl -u alice:s3cret https://x.example/",
            CurlRequest {
                headers: h(&[("Authorization", "Basic YWxpY2U6czNjcmV0")]),
                ..req("GET", "https://x.example/")
            },
        ),
        // An explicit Authorization header wins over -u.
        (
            "curl -u a:b -H 'Authorization: Bearer t' https://x.example/",
            CurlRequest {
                headers: h(&[("Authorization", "Bearer t")]),
                ..req("GET", "https://x.example/")
            },
        ),
        (
            "curl --oauth2-bearer tok https://x.example/",
            CurlRequest {
                headers: h(&[("Authorization", "Bearer tok")]),
                ..req("GET", "https://x.example/")
            },
        ),
        // --json: body, POST, and the two headers.
        (
            r#"curl --json '{"a":1}' https://x.example/api"#,
            CurlRequest {
                headers: h(&[("Content-Type", "application/json"), ("Accept", "application/json")]),
                body: Some(r#"{"a":1}"#.into()),
                ..req("POST", "https://x.example/api")
            },
        ),
        // --json pieces are concatenated; a given Content-Type is kept;
        // `Accept:` removes curl's Accept.
        (
            r#"curl --json '{"a":' --json '1}' -H 'content-type: application/vnd.api+json' -H 'Accept:' https://x.example/"#,
            CurlRequest {
                headers: h(&[("content-type", "application/vnd.api+json")]),
                body: Some(r#"{"a":1}"#.into()),
                ignored: s(&["-H 'Accept:' (removes the header)"]),
                ..req("POST", "https://x.example/")
            },
        ),
        // -b and a Cookie header both go to cookies.
        (
            "curl -b 'a=1' -H 'Cookie: b=2' https://x.example/",
            CurlRequest {
                cookies: Some("a=1; b=2".into()),
                ..req("GET", "https://x.example/")
            },
        ),
        // -b without `=` is a cookie file.
        (
            "curl -b jar.txt https://x.example/",
            CurlRequest {
                ignored: s(&["-b jar.txt (a cookie file, not read)"]),
                ..req("GET", "https://x.example/")
            },
        ),
        ("curl -I https://x.example/", req("HEAD", "https://x.example/")),
        ("curl --head https://x.example/", req("HEAD", "https://x.example/")),
        // -X wins over -I and over the body.
        ("curl -I -X GET https://x.example/", req("GET", "https://x.example/")),
        (
            "curl -X DELETE -d 'x=1' https://x.example/",
            CurlRequest {
                body: Some("x=1".into()),
                ..req("DELETE", "https://x.example/")
            },
        ),
        // -G moves the data to the query.
        (
            "curl -G -d 'q=1' --data-urlencode 'name=a b&c' https://x.example/search",
            req("GET", "https://x.example/search?q=1&name=a%20b%26c"),
        ),
        (
            "curl -G https://x.example/search?x=0 -d q=1",
            req("GET", "https://x.example/search?x=0&q=1"),
        ),
        ("curl -I -G -d q=1 https://x.example/", req("HEAD", "https://x.example/?q=1")),
        // Several data options are joined with `&`.
        (
            "curl -d a=1 --data-binary b=2 --data-raw @c --data-ascii d=4 https://x.example/",
            CurlRequest {
                body: Some("a=1&b=2&@c&d=4".into()),
                ..req("POST", "https://x.example/")
            },
        ),
        // Combined short flags, attached values.
        (
            "curl -sSLk -XPATCH -H'X-A: 1' -dfoo https://x.example/",
            CurlRequest {
                headers: h(&[("X-A", "1")]),
                body: Some("foo".into()),
                insecure: true,
                ignored: s(&["-s", "-S", "-L"]),
                ..req("PATCH", "https://x.example/")
            },
        ),
        // A value-taking flag at the end of a group takes the next argument.
        (
            "curl -sX PUT https://x.example/",
            CurlRequest {
                ignored: s(&["-s"]),
                ..req("PUT", "https://x.example/")
            },
        ),
        // -A, -e (with `;auto`), --url, -k/--insecure, flags to ignore.
        (
            "curl --url https://x.example/ -A 'Agent/1' -e 'https://ref.example/;auto' --insecure --http2 -v -i --location --silent --http1.1",
            CurlRequest {
                headers: h(&[("User-Agent", "Agent/1"), ("Referer", "https://ref.example/")]),
                insecure: true,
                ignored: s(&["--http2", "-v", "-i", "--location", "--silent", "--http1.1"]),
                ..req("GET", "https://x.example/")
            },
        ),
        // Unknown options are kept in `ignored`; known ones with values take
        // their value; extra URLs are noted.
        (
            "curl -o out.json --max-time 10 --frobnicate https://x.example/ https://y.example/",
            CurlRequest {
                ignored: s(&[
                    "-o out.json",
                    "--max-time 10",
                    "--frobnicate",
                    "extra URL https://y.example/",
                ]),
                ..req("GET", "https://x.example/")
            },
        ),
        // --globoff keeps backslashes in the URL.
        (
            r"curl -g 'https://x.example/?a=\[1\]'",
            CurlRequest {
                ignored: s(&["-g"]),
                ..req("GET", r"https://x.example/?a=\[1\]")
            },
        ),
        // -F: multipart, POST.
        (
            "curl -F 'file=@photo.jpg' -F name=x https://x.example/upload",
            CurlRequest {
                headers: h(&[("Content-Type", "multipart/form-data")]),
                body: Some("file=@photo.jpg&name=x".into()),
                ..req("POST", "https://x.example/upload")
            },
        ),
        // -T: PUT.
        (
            "curl -T file.bin https://x.example/up",
            CurlRequest {
                ignored: s(&["-T file.bin (the file is not read)"]),
                ..req("PUT", "https://x.example/up")
            },
        ),
        // "Copy all as cURL": only the first command is read.
        (
            "curl 'https://x.example/a' ;\ncurl 'https://x.example/b'",
            CurlRequest {
                ignored: s(&["everything after `;` (only the first command is read)"]),
                ..req("GET", "https://x.example/a")
            },
        ),
        (
            "curl ^\"https://x.example/a^\" &\r\ncurl ^\"https://x.example/b^\"",
            CurlRequest {
                ignored: s(&["everything after `&` (only the first command is read)"]),
                ..req("GET", "https://x.example/a")
            },
        ),
        // An unquoted `&` inside a word is kept.
        ("curl https://x.example/?a=1&b=2", req("GET", "https://x.example/?a=1&b=2")),
        // A shell prompt, a path to curl, a comment, a double-quoted bash word.
        (
            "$ /usr/bin/curl \"https://x.example/\" -H 'X-B: \"q\"' # note",
            CurlRequest {
                headers: h(&[("X-B", "\"q\"")]),
                ..req("GET", "https://x.example/")
            },
        ),
        // Empty header value with `;`; whitespace around names and values.
        (
            "curl -H 'X-Empty;' -H '  X-Pad :  v  ' https://x.example/",
            CurlRequest {
                headers: h(&[("X-Empty", ""), ("X-Pad", "v")]),
                ..req("GET", "https://x.example/")
            },
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input), Ok(expected), "{input}");
    }
}

#[test]
fn errors() {
    let cases: Vec<(&str, CurlError)> = vec![
        ("", CurlError::NotCurl),
        ("wget https://x.example/", CurlError::NotCurl),
        ("curly https://x.example/", CurlError::NotCurl),
        (
            "Invoke-WebRequest -UseBasicParsing -Uri \"https://x.example/\"",
            CurlError::PowerShell,
        ),
        (
            "$session = New-Object Microsoft.PowerShell.Commands.WebRequestSession\nInvoke-WebRequest -Uri \"https://x.example/\" -WebSession $session",
            CurlError::PowerShell,
        ),
        (
            "fetch(\"https://x.example/\", {\n  \"headers\": {},\n  \"method\": \"GET\"\n});",
            CurlError::Fetch,
        ),
        ("await fetch (\"https://x.example/\");", CurlError::Fetch),
        ("curl 'https://x.example/", CurlError::Unbalanced(5)),
        ("curl https://x.example/ -d $'abc", CurlError::Unbalanced(27)),
        ("curl https://x.example/ -d $'abc\\", CurlError::Unbalanced(27)),
        ("curl https://x.example/ -H \"a: b", CurlError::Unbalanced(27)),
        ("curl ^\"https://x.example/", CurlError::Unbalanced(6)),
        ("curl https://x.example/ -H", CurlError::MissingValue("-H".into())),
        ("curl https://x.example/ --data-raw", CurlError::MissingValue("--data-raw".into())),
        ("curl https://x.example/ -sX", CurlError::MissingValue("-X".into())),
        ("curl https://x.example/ --max-time", CurlError::MissingValue("--max-time".into())),
        ("curl -H 'accept: */*'", CurlError::NoUrl),
        ("curl", CurlError::NoUrl),
        ("curl https://x.example/ -H 'nocolon'", CurlError::BadHeader("nocolon".into())),
        ("curl https://x.example/ -H ': v'", CurlError::BadHeader(": v".into())),
        ("curl https://x.example/ -H @headers.txt", CurlError::FromFile("-H".into())),
        ("curl https://x.example/ -H@headers.txt", CurlError::FromFile("-H".into())),
        ("curl https://x.example/ -d @body.json", CurlError::FromFile("-d".into())),
        ("curl https://x.example/ --json @body.json", CurlError::FromFile("--json".into())),
        ("curl https://x.example/ --data-urlencode q@f", CurlError::FromFile("--data-urlencode".into())),
    ];
    for (input, expected) in cases {
        assert_eq!(parse(input), Err(expected), "{input:?}");
    }
}

#[test]
fn error_messages_name_the_fix() {
    let ps = parse("Invoke-WebRequest -Uri x").unwrap_err().to_string();
    assert!(ps.contains("Copy as cURL (bash)"), "{ps}");
    let fetch = parse("fetch(\"x\")").unwrap_err().to_string();
    assert!(fetch.contains("Copy as cURL"), "{fetch}");
    let file = parse("curl x -d @f").unwrap_err().to_string();
    assert!(file.contains("-d"), "{file}");
}

#[test]
fn ansi_c_escapes() {
    let cases = [
        (r"$'a\'b'", "a'b"),
        (r"$'\n\t\r\\'", "\n\t\r\\"),
        (r"$'\x41\x4a\x4'", "AJ\u{4}"),
        (r"$'\u00e9\u20ac'", "é€"),
        (r"$'\U0001F600'", "😀"),
        (r"$'\ud83d\ude00'", "😀"),
        (r"$'\ud83d'", "\u{fffd}"),
        (r"$'\101\0'", "A\0"),
        (r"$'\cA\e\a'", "\u{1}\u{1b}\u{7}"),
        (r"$'\q\x'", r"\q\x"),
        (r#"$'\xc3\xa9'"#, "é"),
        ("'a'\"b\"$'c'", "abc"),
        (r#""a\"b\$c\d""#, r#"a"b$c\d"#),
        (r"a\ b", "a b"),
        ("'two\\\nlines'", "two\\\nlines"),
    ];
    for (word, expected) in cases {
        // The single-quoted header makes the command read as POSIX even when
        // the word itself has only double quotes.
        let got = parse(&format!("curl 'https://x.example/' --data-raw {word}"));
        assert_eq!(got.map(|r| r.body), Ok(Some(expected.to_owned())), "{word}");
    }
}

#[test]
fn double_quotes_only_read_as_windows() {
    // Without a single quote or a backslash continuation the dialect is
    // ambiguous; Windows rules are used, which agree with the shell on `\"`.
    let r = parse(
        r#"curl -X POST "https://x.example/" -H "Content-Type: application/json" -d "{\"a\":1}""#,
    );
    assert_eq!(
        r,
        Ok(CurlRequest {
            headers: h(&[("Content-Type", "application/json")]),
            body: Some(r#"{"a":1}"#.into()),
            ..req("POST", "https://x.example/")
        })
    );
}

#[test]
fn never_panics_on_odd_input() {
    let inputs = [
        "curl $'\\u",
        "curl $'\\U110000'",
        "curl $'\\uDFFF\\uD800'",
        "curl ^",
        "curl ^\r",
        "curl ^\n",
        "curl \\",
        "curl ''",
        "curl -",
        "curl --",
        "curl -H",
        "curl.exe \"\\\\\\\"",
        "curl \"",
        "curl é -Hé:é",
        "curl ;",
        "curl \u{feff}x",
        "\u{feff}curl x",
        "curl -ééé x",
        "curl x -d ''",
    ];
    for input in inputs {
        let _ = parse(input);
    }
    assert_eq!(parse("curl x -d ''").map(|r| r.method), Ok("POST".into()));
    assert_eq!(parse("curl -").map(|r| r.url), Ok("-".into()));
}
