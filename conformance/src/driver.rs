//! One Chromium tab driven as a person would use a page, for the tests of
//! Corsair's own pages (`corsair ui`, the `--html` reports, the gateway's
//! dashboard): load a URL, read and fill the DOM, press keys, resize to a
//! phone, take screenshots, and keep every console error and uncaught
//! exception the page produced.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::{cdp, chromium, HarnessError};

/// How long one step (a load, an evaluation) may take.
const STEP: Duration = Duration::from_secs(30);

/// A headless Chromium with one tab.
pub struct Tab {
    cdp: cdp::Cdp,
    _browser: chromium::Browser,
    session: String,
    problems: Vec<String>,
}

impl Tab {
    /// Starts Chromium (found as the conformance harness finds it) with one
    /// blank tab.
    pub fn open() -> Result<Tab, HarnessError> {
        let binary = chromium::find_binary(None)?;
        let (browser, to, from) = chromium::Browser::launch(&binary, &[])?;
        let mut cdp = cdp::Cdp::new(to, from)?;
        let deadline = Instant::now() + STEP;
        let target = cdp.call(
            "Target.createTarget",
            json!({"url": "about:blank"}),
            None,
            deadline,
        )?;
        let target_id = field(&target, "targetId")?;
        let attached = cdp.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
            None,
            deadline,
        )?;
        let session = field(&attached, "sessionId")?;
        for m in ["Page.enable", "Runtime.enable", "Log.enable"] {
            cdp.call(m, json!({}), Some(&session), deadline)?;
        }
        Ok(Tab {
            cdp,
            _browser: browser,
            session,
            problems: Vec::new(),
        })
    }

    fn call(&mut self, method: &str, params: Value) -> Result<Value, HarnessError> {
        self.cdp
            .call(method, params, Some(&self.session), Instant::now() + STEP)
    }

    /// Keeps the console errors and exceptions among events.
    fn note(&mut self, ev: &cdp::Event) {
        let p = &ev.params;
        match ev.method.as_str() {
            "Runtime.exceptionThrown" => self
                .problems
                .push(format!("exception: {}", p["exceptionDetails"])),
            "Runtime.consoleAPICalled" if p["type"] == "error" || p["type"] == "assert" => {
                self.problems
                    .push(format!("console.{}: {}", p["type"], p["args"]));
            }
            "Log.entryAdded" if p["entry"]["level"] == "error" => {
                self.problems
                    .push(format!("log: {} {}", p["entry"]["text"], p["entry"]["url"]));
            }
            _ => {}
        }
    }

    /// Waits for the next page load in the tab to finish.
    fn wait_load(&mut self) -> Result<(), HarnessError> {
        let deadline = Instant::now() + STEP;
        loop {
            match self.cdp.next_event(deadline)? {
                Some(ev) if ev.method == "Page.loadEventFired" => return Ok(()),
                Some(ev) => self.note(&ev),
                None => {
                    return Err(HarnessError::Timeout {
                        what: "the page's load".into(),
                    })
                }
            }
        }
    }

    /// Loads `url` and waits for its load event.
    pub fn goto(&mut self, url: &str) -> Result<(), HarnessError> {
        let r = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(e) = r.get("errorText").and_then(Value::as_str) {
            return Err(HarnessError::Protocol {
                what: format!("loading {url}: {e}"),
            });
        }
        self.wait_load()
    }

    /// Runs `expression` in the page (awaiting a promise) and returns its
    /// value as JSON.
    pub fn eval(&mut self, expression: &str) -> Result<Value, HarnessError> {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(HarnessError::Protocol {
                what: format!("evaluating {expression}: {e}"),
            });
        }
        Ok(r["result"]["value"].clone())
    }

    /// Runs `expression`, which submits a form or follows a link, and waits
    /// for the next page to load.
    pub fn eval_and_wait(&mut self, expression: &str) -> Result<(), HarnessError> {
        self.eval(expression)?;
        self.wait_load()
    }

    /// Presses a key (`Tab`, `Enter`, ` `), with Shift when `shift`.
    pub fn press(&mut self, key: &str, shift: bool) -> Result<(), HarnessError> {
        let (code, vk, text) = match key {
            "Tab" => ("Tab", 9, ""),
            "Enter" => ("Enter", 13, "\r"),
            " " => ("Space", 32, " "),
            other => (other, 0, other),
        };
        let modifiers = if shift { 8 } else { 0 };
        let mut down = json!({"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers});
        if !text.is_empty() {
            down["text"] = json!(text);
        }
        self.call("Input.dispatchKeyEvent", down)?;
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers}),
        )?;
        Ok(())
    }

    /// Presses Enter and waits for the page it leads to.
    pub fn press_enter_and_wait(&mut self) -> Result<(), HarnessError> {
        self.press("Enter", false)?;
        self.wait_load()
    }

    /// Types `text` into the focused control, as an input method would.
    pub fn type_text(&mut self, text: &str) -> Result<(), HarnessError> {
        self.call("Input.insertText", json!({"text": text}))?;
        Ok(())
    }

    /// The accessible name Chromium computes for the first element matching
    /// `selector` (what a screen reader announces), `None` when nothing
    /// matches.
    pub fn accessible_name(&mut self, selector: &str) -> Result<Option<String>, HarnessError> {
        let doc = self.call("DOM.getDocument", json!({"depth": 0}))?;
        let found = self.call(
            "DOM.querySelector",
            json!({"nodeId": doc["root"]["nodeId"], "selector": selector}),
        )?;
        let node = found["nodeId"].as_u64().unwrap_or(0);
        if node == 0 {
            return Ok(None);
        }
        let ax = self.call(
            "Accessibility.getPartialAXTree",
            json!({"nodeId": node, "fetchRelatives": false}),
        )?;
        Ok(ax["nodes"][0]["name"]["value"].as_str().map(str::to_owned))
    }

    /// Chooses `file` in the file input matching `selector`, as the file
    /// picker would.
    pub fn choose_file(&mut self, selector: &str, file: &Path) -> Result<(), HarnessError> {
        let doc = self.call("DOM.getDocument", json!({"depth": 0}))?;
        let found = self.call(
            "DOM.querySelector",
            json!({"nodeId": doc["root"]["nodeId"], "selector": selector}),
        )?;
        self.call(
            "DOM.setFileInputFiles",
            json!({"files": [file.display().to_string()], "nodeId": found["nodeId"]}),
        )?;
        Ok(())
    }

    /// Sets the viewport: `width` CSS pixels, a phone's when `mobile`.
    pub fn resize(&mut self, width: u32, height: u32, mobile: bool) -> Result<(), HarnessError> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )?;
        Ok(())
    }

    /// A PNG of what the viewport shows, written to `path`.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), HarnessError> {
        let r = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": false}),
        )?;
        let data = r["data"].as_str().unwrap_or_default();
        let bytes = base64_decode(data).ok_or_else(|| HarnessError::Protocol {
            what: "the screenshot is not base64".into(),
        })?;
        std::fs::write(path, bytes).map_err(|e| HarnessError::Io {
            what: format!("writing {}", path.display()),
            source: e,
        })
    }

    /// Every console error, failed load and uncaught exception so far
    /// (events still queued are read first).
    pub fn problems(&mut self) -> Result<Vec<String>, HarnessError> {
        // A round trip flushes what the browser sent before it.
        self.eval("0")?;
        while let Some(ev) = self.cdp.next_event(Instant::now())? {
            self.note(&ev);
        }
        Ok(self.problems.clone())
    }
}

fn field(v: &Value, name: &str) -> Result<String, HarnessError> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| HarnessError::Protocol {
            what: format!("no {name} in {v}"),
        })
}

/// Standard base64 (the screenshots' encoding).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let keep = chunk.len().saturating_sub(1);
        for i in 0..keep {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_decodes() {
        assert_eq!(
            super::base64_decode("aGVsbG8=").as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(super::base64_decode("aGk=").as_deref(), Some(&b"hi"[..]));
        assert_eq!(super::base64_decode("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(super::base64_decode("!!"), None);
    }
}
