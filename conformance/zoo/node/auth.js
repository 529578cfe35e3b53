// The zoo's own "auth": a bearer token or 401. Shared by the broken app
// (auth-first.js) and the fixed one the test builds from corsair's snippet.
function authenticate(req, res, next) {
  if (!/^Bearer \S+$/.test(req.get("Authorization") || "")) {
    return res.status(401).json({ error: "unauthorized" });
  }
  next();
}

function items(req, res) {
  res.json({ items: [1, 2, 3] });
}

module.exports = { authenticate, items };
