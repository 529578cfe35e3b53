"""Mistake: no CORS middleware at all. FastAPI has no OPTIONS route for
/api/items, so the browser's preflight gets 405 Method Not Allowed.

Run: python3 -m uvicorn fastapi_no_cors:app --app-dir conformance/zoo/python --port PORT
"""

from fastapi import FastAPI

app = FastAPI()


@app.get("/api/items")
def list_items():
    return {"items": [1, 2, 3]}


@app.put("/api/items")
def save_items():
    return {"saved": True}
