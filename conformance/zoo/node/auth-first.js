// Mistake: cors() mounted AFTER the auth middleware. The browser's preflight
// carries no Authorization, so auth answers it 401 without CORS headers.
// Usage: node auth-first.js PORT
const express = require("express");
const cors = require("cors");
const { authenticate, items } = require("./auth");

const app = express();
app.use(authenticate);
app.use(cors({ origin: ["http://app.example.test:8001"], credentials: true }));
app.get("/api/items", items);

app.listen(Number(process.argv[2]), "127.0.0.1");
