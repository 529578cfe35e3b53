// Makes a scenario's request with an asynchronous XMLHttpRequest; an exception
// from open or setRequestHeader ends it as an error (the code would not have
// sent). Always resolves. Shared by the Chromium harness and the Firefox script.
((r) => new Promise((resolve) => {
  const fail = (e) => resolve({ settled: 'error', name: String(e && e.name), message: String(e && e.message) });
  const x = new XMLHttpRequest();
  try {
    x.open(r.method, r.url, true);
    for (const [n, v] of r.headers) x.setRequestHeader(n, v);
    x.withCredentials = r.credentials === 'include';
  } catch (e) { fail(e); return; }
  x.onload = () => {
    const names = x.getAllResponseHeaders().split('\r\n')
      .map((l) => l.slice(0, Math.max(0, l.indexOf(':'))).trim().toLowerCase())
      .filter((n) => n.length > 0);
    resolve({ settled: 'ok', status: x.status, readable_headers: names });
  };
  x.onerror = () => resolve({ settled: 'error', name: 'error', message: '' });
  x.onabort = () => resolve({ settled: 'error', name: 'abort', message: '' });
  x.ontimeout = () => resolve({ settled: 'error', name: 'timeout', message: '' });
  try { x.send(); } catch (e) { fail(e); }
}))
