"""`/r/<token>/ws`: live updates for an open public results page. No sign-in: the token of
published results is the key. The socket is accepted first and refused with a close code the
page acts on (p88.web.published.feeds lists them); 4429 after too many wrong links."""

from __future__ import annotations

from p88.live.results import NoResults
from p88.web.published.feeds import NOT_AVAILABLE, WITHDRAWN
from p88.web.push.server import Upgrade
from p88.web.push.socket import PushSocket
from p88.web.services import WebServices

TOO_MANY = 4429


async def serve_results_public(services: WebServices, upgrade: Upgrade, socket: PushSocket) -> None:
    await socket.accept()
    public = services.public_results
    if public.guard.blocked(upgrade.peer):
        await socket.refuse(TOO_MANY, "too many wrong results links; wait a minute")
        return
    publication = await public.publications.find(services.pool, upgrade.params["token"])
    if publication is None:
        public.guard.fail(upgrade.peer)
        await socket.refuse(WITHDRAWN, "no published results at this link")
        return
    try:
        if services.results is None:
            raise NoResults("results are not served here")
        results = await services.results.get(publication.partner_id, publication.session_id)
    except NoResults:
        await socket.refuse(NOT_AVAILABLE, "these results are being prepared")
        return
    feed = public.feeds.join(services.results, services.pool, results, publication, socket.outbox)
    try:
        socket.start(feed.message("hello"))
        await socket.run()
    finally:
        public.feeds.leave(feed, socket.outbox)
