"""Mistake: an allowlist regex neither anchored at the end nor escaped
(the `r"https://.*example.com"` of many answers online, for this page's
origin). Flask-CORS matches it with re.match: http://corsairprobeexample.test:8001
and http://appxexample.test:8001 pass, with credentials.

Run: python3 -m flask --app conformance/zoo/python/flask_regex.py run --port PORT
"""

from flask import Flask
from flask_cors import CORS

app = Flask(__name__)
CORS(app, origins=[r"http://.*example.test:8001"], supports_credentials=True)


@app.get("/api/items")
def list_items():
    return {"items": [1, 2, 3]}
