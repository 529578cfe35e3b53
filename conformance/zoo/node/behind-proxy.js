// A correct Express API with cors()... behind an nginx that adds its own
// Access-Control-Allow-Origin (nginx/two-layers.conf): two headers reach the
// browser. Usage: node behind-proxy.js PORT
const express = require("express");
const cors = require("cors");

const app = express();
app.use(cors({ origin: ["http://app.example.test:8001"], credentials: true }));
app.get("/api/items", (req, res) => res.json({ items: [] }));

app.listen(Number(process.argv[2]), "127.0.0.1");
