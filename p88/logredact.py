"""Keeps secret URL tokens out of log lines.

Display links (/d/<token>), public results links (/r/<token> and the data API's
/api/v1/public/<token>: a withdrawn link must not be found again in a log), password resets,
invitations and first-run setup links carry their credential in the path. Any log line about
such a request (an error Quart logs with its path, an access log line, a traceback that
repeats a URL) would hand the credential to whoever reads the logs. `RedactTokens` rewrites
those path segments, and the values of query parameters that carry secrets, in each record's
message, exception text and stack.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# The segment after /d/, /r/, /reset/, /invite/, /setup/ or /api/v1/public/, up to the next
# separator.
_PATH_TOKEN = re.compile(r"(/(?:d|r|reset|invite|setup|api/v1/public)/)[^/?#\s\"'<>]+")
# Query parameters that would carry a secret if a URL ever had one.
_QUERY_SECRET = re.compile(
    r"([?&](?:token|key|api_key|secret|password|code)=)[^&#\s\"'<>]+", re.IGNORECASE
)


# A data API key (p88.db.api_keys.KEY_PREFIX), wherever it appears (an Authorization header
# repeated in an error): only its prefix is kept.
_API_KEY = re.compile(r"\b(p88_)[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    text = _API_KEY.sub(rf"\1{REDACTED}", text)
    return _QUERY_SECRET.sub(rf"\1{REDACTED}", _PATH_TOKEN.sub(rf"\1{REDACTED}", text))


class RedactTokens(logging.Filter):
    """A filter for handlers (sees every record they emit) or loggers (records logged there).

    It replaces the record's message by the redacted, formatted one (args dropped) and formats
    the exception text itself so that it can be redacted too: every later handler and
    formatter sees only the redacted record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging reports it when formatting
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


def install(handlers: list[logging.Handler], loggers: list[str]) -> RedactTokens:
    """Put one filter on these handlers and on the named loggers (for servers such as
    Hypercorn that may be given handlers of their own)."""
    redacting = RedactTokens()
    for handler in handlers:
        handler.addFilter(redacting)
    for name in loggers:
        logging.getLogger(name).addFilter(redacting)
    return redacting
