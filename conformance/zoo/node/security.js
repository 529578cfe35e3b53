// Allow-lists that look right and are not: each route trusts the page's
// origin with credentials, and something else too. The doctor's crafted
// origins must find out which mistake each one makes.
// Usage: node security.js PORT
const express = require("express");

const PAGE = "http://app.example.test:8001";

const checks = {
  // A substring test in the wrong direction: any prefix of the real origin
  // (http://app.example.tes, http://app.example) is "included" in it.
  "/substring": (o) => PAGE.includes(o),
  // A plain suffix check: anything ending with the domain.
  "/suffix": (o) => o.endsWith("example.test:8001"),
  // Anchored, but the dots are not escaped: appxexample.test passes.
  "/regex": (o) => /^http:\/\/app.example.test:8001$/.test(o),
  // The page's origin, and "null" for a local file someone tested with.
  "/null": (o) => o === PAGE || o === "null",
  // Preview deployments: every *.vercel.app site, anyone's.
  "/vercel": (o) => o === PAGE || /^https:\/\/[a-z0-9-]+\.vercel\.app$/.test(o),
};

const app = express();
// CORS on every answer, errors included (a missing path under a route
// keeps the route's check): only the allow-lists are wrong here.
app.use((req, res, next) => {
  const route = Object.keys(checks).find((p) => req.path.startsWith(p));
  const origin = req.get("Origin");
  if (route && origin && checks[route](origin)) {
    res.set("Access-Control-Allow-Origin", origin);
    res.set("Access-Control-Allow-Credentials", "true");
  }
  res.set("Vary", "Origin");
  if (req.method === "OPTIONS") {
    res.set("Access-Control-Allow-Methods", "GET, PUT");
    res.set("Access-Control-Allow-Headers", "Authorization, Content-Type");
    return res.status(204).end();
  }
  next();
});
for (const path of Object.keys(checks)) {
  app.get(path, (req, res) => res.json({ items: [1, 2, 3] }));
}

app.listen(Number(process.argv[2]), "127.0.0.1");
