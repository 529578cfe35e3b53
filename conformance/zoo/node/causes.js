// The causes behind the symptoms: one Express app, a route per mistake whose
// symptom misleads. The page's origin is http://app.example.test:8001; the
// allow-list has another.
// Usage: node causes.js PORT
const express = require("express");
const cors = require("cors");

const app = express();
app.set("strict routing", true);
const allowed = ["http://www.app.example.test:8001", "http://localhost:3000"];

// Spring's CorsFilter: a preflight from an unlisted origin gets 403
// "Invalid CORS request" (no CORS headers), which looks like auth.
app.use("/spring", (req, res, next) => {
  const origin = req.headers.origin;
  res.vary("Origin");
  if (origin && !allowed.includes(origin)) {
    res.status(403).type("text/plain").send("Invalid CORS request");
    return;
  }
  if (origin) {
    res.set("Access-Control-Allow-Origin", origin);
    res.set("Access-Control-Allow-Methods", "GET,PUT");
    res.set("Access-Control-Allow-Headers", "content-type");
    res.set("Access-Control-Allow-Credentials", "true");
  }
  if (req.method === "OPTIONS") return res.status(200).end();
  res.json({ ok: true });
});

// The cors package with an allow-list: an unlisted origin simply gets no
// Access-Control-Allow-Origin (and Vary: Origin).
app.use("/listed", cors({ origin: allowed, credentials: true }));
app.get("/listed/items", (req, res) => res.json([1]));
app.put("/listed/items", (req, res) => res.json({ ok: true }));

// Auth before everything: every request without a token is 401, OPTIONS too.
app.use("/guarded", (req, res, next) => {
  if (!req.headers.authorization) {
    res.set("WWW-Authenticate", 'Bearer realm="api"');
    return res.status(401).json({ error: "unauthorized" });
  }
  next();
});
app.use("/guarded", cors({ origin: "http://app.example.test:8001" }));
app.put("/guarded/items", (req, res) => res.json({ ok: true }));

// A trailing-slash redirect in front of a route with CORS.
const open = cors({ origin: "http://app.example.test:8001" });
app.get("/slash/items", (req, res) => res.redirect(301, "/slash/items/"));
app.get("/slash/items/", open, (req, res) => res.json([1]));

// An API that sends unauthenticated calls to the sign-in page.
app.get("/sso/items", (req, res) =>
  res.redirect(302, "/login?next=%2Fsso%2Fitems"));

// Server-sent events: the stream never ends.
app.get("/events", open, (req, res) => {
  res.set("Content-Type", "text/event-stream");
  res.flushHeaders();
  res.write("data: hello\n\n");
  const timer = setInterval(() => res.write(": ping\n\n"), 1000);
  req.on("close", () => clearInterval(timer));
});

// cors() on the POST handler only: Express answers the preflight itself
// (200, Allow: POST) with no CORS headers.
app.post("/only-post", open, (req, res) => res.json({ ok: true }));

// The body parser before cors(): a malformed body is a 400 without CORS
// headers, and the page sees a CORS error instead of the parser's message.
app.use("/parse", express.json());
app.use("/parse", open);
app.post("/parse/items", (req, res) => res.json({ ok: true }));
app.use((err, req, res, next) => {
  res.status(err.status || 500).json({ error: `invalid JSON body: ${err.message}` });
});

// The frontend's page, whose Content-Security-Policy forgets the API.
app.get("/page", (req, res) => {
  res.set("Content-Security-Policy", "default-src 'self'; connect-src 'self' https://api.example.com");
  res.type("html").send("<!doctype html><title>app</title>");
});

app.listen(Number(process.argv[2]), "127.0.0.1");
