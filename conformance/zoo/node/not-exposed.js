// Mistake: the page reads X-Total-Count, but cors() is not told to expose it
// (no exposedHeaders): the browser hands the page null.
// Usage: node not-exposed.js PORT
const express = require("express");
const cors = require("cors");

const app = express();
app.use(cors({ origin: ["http://app.example.test:8001"] }));
app.get("/api/items", (req, res) => {
  res.set("X-Total-Count", "3");
  res.json({ items: [1, 2, 3] });
});

app.listen(Number(process.argv[2]), "127.0.0.1");
