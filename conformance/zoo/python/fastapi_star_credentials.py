"""Mistake: allow_origins=["*"] with allow_credentials=True. Starlette cannot
send `*` with credentials, so it echoes whatever Origin came: any website
can read the API with the user's cookies.

Run: python3 -m uvicorn fastapi_star_credentials:app --app-dir conformance/zoo/python --port PORT
"""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()

app.add_middleware(
    CORSMiddleware,
    allow_origins=["*"],
    allow_credentials=True,
    allow_methods=["*"],
    allow_headers=["*"],
)


@app.get("/api/items")
def list_items():
    return {"items": [1, 2, 3]}
