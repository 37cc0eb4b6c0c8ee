"""The floor of the load section: FastAPI and uvicorn answering the same request, with nothing
behind it. What a single log costs the server beyond this is Reachout's own work.

The endpoint is a plain function (run in the thread pool, as Reachout's work is) that reads
the same body and answers 201 with a small JSON object; no database, no authentication.
"""

from __future__ import annotations

from fastapi import FastAPI, status
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    candidate_id: int
    kind: str = "outreach"
    channel: str
    reply_status: str | None = None


class Answer(BaseModel):
    candidate_id: int
    kind: str


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/v1/touchpoints", status_code=status.HTTP_201_CREATED, response_model=Answer)
def log_nothing(body: Body) -> Answer:
    return Answer(candidate_id=body.candidate_id, kind=body.kind)
