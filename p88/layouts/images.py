"""Checks for uploaded template images: the type comes from the bytes, never from the client.

PNG, JPEG and WebP only. SVG is refused on purpose: it is a document that can carry script.
"""

from __future__ import annotations

MAX_IMAGE_BYTES = 5 * 1024 * 1024
ALLOWED_TYPES = ("image/png", "image/jpeg", "image/webp")


class ImageRejected(Exception):
    """A message for the person who uploaded the file; `status` is the HTTP status to answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def sniff_image_type(data: bytes) -> str | None:
    """The content type the bytes really are, or None when they are not PNG/JPEG/WebP."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_image(data: bytes) -> str:
    """The content type to store, or ImageRejected saying what to do instead."""
    if not data:
        raise ImageRejected("the file is empty; choose a PNG, JPEG or WebP image", 400)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(
            f"the image is {len(data) / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_IMAGE_BYTES // 1024 // 1024} MB: export it smaller or as JPEG/WebP",
            413,
        )
    content_type = sniff_image_type(data)
    if content_type is None:
        raise ImageRejected(
            "this file is not a PNG, JPEG or WebP image (SVG is not accepted because it can "
            "carry script); convert it to PNG and upload again",
            415,
        )
    return content_type


def clean_image_name(filename: str | None) -> str:
    """A display name from the uploaded file name: no folders, no control characters."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:200] or "image"
