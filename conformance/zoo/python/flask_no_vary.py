"""Mistake: the allowed origin echoed by hand, without `Vary: Origin`: a
shared cache can serve one origin's answer to another.

Run: python3 -m flask --app conformance/zoo/python/flask_no_vary.py run --port PORT
"""

from flask import Flask, request

app = Flask(__name__)

ALLOWED = {"http://app.example.test:8001", "http://admin.example.test:8001"}


@app.after_request
def add_cors(response):
    origin = request.headers.get("Origin")
    if origin in ALLOWED:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response


@app.get("/api/items")
def list_items():
    return {"items": [1, 2, 3]}
