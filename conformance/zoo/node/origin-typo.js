// Mistake: the allowed origin copied with a trailing slash. cors() sends a
// string origin as is, and the browser compares it byte for byte.
// Usage: node origin-typo.js PORT
const express = require("express");
const cors = require("cors");

const app = express();
app.use(cors({ origin: "http://app.example.test:8001/" }));
app.get("/api/items", (req, res) => res.json({ items: [] }));

app.listen(Number(process.argv[2]), "127.0.0.1");
