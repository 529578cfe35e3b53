// An Express API as many are written: its own CORS headers (a wildcard,
// wrong with credentials), a route that throws (500), JSON answers.
// Usage: node server.js PORT   (listens on 127.0.0.1; prints "listening PORT")
const express = require("express");

const app = express();
app.use((req, res, next) => {
  res.set("Access-Control-Allow-Origin", "*");
  res.set("Access-Control-Allow-Methods", "GET, POST");
  next();
});
app.get(/\/ok$/, (req, res) => res.json({ ok: true }));
app.put(/\/ok$/, express.json(), (req, res) => res.json({ saved: req.body }));
app.get(/\/fail$/, () => {
  throw new Error("boom");
});

const port = Number(process.argv[2] || 0);
const server = app.listen(port, "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
