"""The optional LLM: Ollama's /api/chat or any OpenAI-compatible /v1/chat/completions
(llama.cpp's server, vLLM ...), asked for a JSON answer, within `[ask] timeout`.

httpx (pinned) runs under Trio through anyio; one client per question keeps nothing open
between questions. Anything that is not a usable answer in time (refused connection, slow,
an HTTP error, no JSON) is LlmUnavailable, and the built-in engine answers instead.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import trio

from p88.ask.prompt import SCHEMA
from p88.config import AskConfig

MAX_REPLY = 200_000  # bytes of a model's answer read at most


class LlmUnavailable(Exception):
    """The model gave no usable answer; the message says why, for the notice on the page."""


class LlmClient:
    def __init__(self, config: AskConfig) -> None:
        self.config = config
        self.backend = config.backend
        root = config.url.rstrip("/")
        if self.backend == "ollama":
            self.endpoint = root + "/api/chat"
        else:
            self.endpoint = root.removesuffix("/v1") + "/v1/chat/completions"

    @property
    def name(self) -> str:
        return self.backend

    def _body(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        if self.backend == "ollama":
            return {
                "model": self.config.model,
                "messages": messages,
                "stream": False,
                "format": SCHEMA,
                "options": {"temperature": 0},
            }
        return {
            "model": self.config.model,
            "messages": messages,
            "temperature": 0,
            "stream": False,
            "response_format": {"type": "json_object"},
        }

    def _content(self, data: Any) -> str:
        try:
            if self.backend == "ollama":
                content = data["message"]["content"]
            else:
                content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LlmUnavailable(
                f"the {self.backend} server's answer is not in its API's format"
            ) from None
        if not isinstance(content, str):
            raise LlmUnavailable(f"the {self.backend} server's answer holds no text")
        return content

    async def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's answer text, or LlmUnavailable."""
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        seconds = self.config.timeout
        try:
            with trio.fail_after(seconds):
                async with httpx.AsyncClient(timeout=seconds, follow_redirects=False) as client:
                    response = await client.post(
                        self.endpoint, json=self._body(messages), headers=headers
                    )
        except trio.TooSlowError:
            raise LlmUnavailable(f"it did not answer within {seconds:g} s") from None
        except httpx.TimeoutException:
            raise LlmUnavailable(f"it did not answer within {seconds:g} s") from None
        except httpx.HTTPError as exc:
            raise LlmUnavailable(f"it cannot be reached ({type(exc).__name__})") from None
        if response.status_code != 200:
            raise LlmUnavailable(f"it answered HTTP {response.status_code}")
        if len(response.content) > MAX_REPLY:
            raise LlmUnavailable("its answer was too long")
        try:
            data = json.loads(response.content)
        except ValueError:
            raise LlmUnavailable("its answer was not JSON") from None
        return self._content(data)
