// Makes a scenario's request with fetch(): only the options the scenario sets
// (plus the default redirect: 'follow'), since anything more, e.g. cache, could
// change what the browser does. Always resolves, never rejects. Shared by the
// Chromium harness (conformance/src/page.rs) and scripts/firefox-check.py.
(async (r) => {
  let resp;
  try {
    resp = await fetch(r.url, { method: r.method, headers: r.headers,
                                credentials: r.credentials, mode: r.mode, redirect: 'follow' });
  } catch (e) {
    return { settled: 'error', name: String(e && e.name), message: String(e && e.message) };
  }
  const names = [];
  for (const [n] of resp.headers) names.push(n);
  try { await resp.arrayBuffer(); } catch (e) {}
  return { settled: 'ok', status: resp.status, type: resp.type, readable_headers: names };
})
