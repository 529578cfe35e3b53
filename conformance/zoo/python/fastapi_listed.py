"""Starlette's CORSMiddleware with an allow-list: a preflight it refuses is
answered 400 "Disallowed CORS origin" (or method, or headers), which a user
reads as a broken server. The page's origin, http://app.example.test:8001,
is listed; its www twin is not.

Run: python3 -m uvicorn fastapi_listed:app --app-dir conformance/zoo/python --port PORT
"""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["http://app.example.test:8001"],
    allow_credentials=True,
    allow_methods=["GET", "PUT"],
    allow_headers=["content-type"],
)


@app.get("/api/items")
def list_items():
    return [{"id": 1}]


@app.put("/api/items")
def put_items():
    return {"ok": True}
