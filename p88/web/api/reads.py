"""`/api/v1/reads`: every stored read, in id order. Mirroring: ask for `since=<last id you
hold>` as NDJSON or CSV without a limit and every newer read is streamed in one answer."""

from __future__ import annotations

from quart import Response

from p88.db.api_keys import READ
from p88.db.api_reads import READS
from p88.web.api.access import needs
from p88.web.api.blueprint import api
from p88.web.api.models import ReadsPage
from p88.web.api.openapi import documented, lists
from p88.web.api.output import fixed_args, list_answer
from p88.web.api.requests import list_request


@api.get("/v1/reads")
@needs(READ)
@lists(READS)
@documented(ReadsPage)
async def list_reads() -> Response:
    """Stored tag reads, oldest first (keyset by id)."""
    return await list_answer(READS, list_request(READS), fixed_args())
