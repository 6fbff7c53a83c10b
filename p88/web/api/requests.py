"""The current request's list parameters, or the 400 problem that says what to change."""

from __future__ import annotations

from collections.abc import Iterable

from quart import request

from p88.db.api_query import Filter, Listing
from p88.web.api.params import BadParameter, ListRequest, parse_list_request
from p88.web.api.problems import bad_parameter


def accepted_types() -> list[str]:
    """The Accept header's media types, most wanted first."""
    return [media for media, _ in request.accept_mimetypes]


def list_request(listing: Listing, fixed_filters: Iterable[Filter] = ()) -> ListRequest:
    try:
        return parse_list_request(
            listing,
            request.args.items(multi=True),
            accepted_types(),
            fixed_filters=fixed_filters,
        )
    except BadParameter as error:
        raise bad_parameter(error) from None
