"""Uploaded files: size limits, content sniffing (never the extension alone), private storage, removal after commit."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import secrets
from pathlib import Path
from typing import IO

from flask import current_app, send_file
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from marketplace.core.db import after_commit
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
DOCUMENT_TYPES = IMAGE_TYPES | {"application/pdf"}
ATTACHMENT_TYPES = DOCUMENT_TYPES | {
    "application/zip",  # also docx/xlsx/odt, which are zip containers
    "application/vnd.openxmlformats-officedocument",
    "text/plain",
    "text/csv",
}
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument": ".docx",
    "text/plain": ".txt",
    "text/csv": ".csv",
}
_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}\.[a-z]{2,5}$")
MAX_IMAGE_PIXELS = 40_000_000
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class StoredFile:
    key: str
    content_type: str
    size: int
    filename: str


def sniff(head: bytes, filename: str = "") -> str | None:
    """The content type the bytes really are, or None when unknown or executable."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        if filename.lower().endswith((".docx", ".xlsx", ".pptx")):
            return "application/vnd.openxmlformats-officedocument"
        return "application/zip"
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return "text/csv" if filename.lower().endswith(".csv") else "text/plain"


def _read_limited(stream: IO[bytes], limit: int, field: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            {field: [_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))]}
        )
    if not data:
        raise ValidationError({field: [_("The file is empty.")]})
    return data


def _check_image(data: bytes, field: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError({field: [_("The image has too many pixels.")]})
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError({field: [_("The image is damaged or not an image.")]}) from exc


def store(
    stream: IO[bytes],
    filename: str,
    *,
    field: str,
    allowed: set[str],
    max_bytes: int,
) -> StoredFile:
    """Check and store an upload under a random name outside static/; raise ValidationError."""
    data = _read_limited(stream, max_bytes, field)
    content_type = sniff(data[:512], filename)
    if content_type is None or content_type not in allowed:
        raise ValidationError({field: [_("This type of file is not accepted.")]})
    if content_type in IMAGE_TYPES:
        _check_image(data, field)
    key = secrets.token_urlsafe(24) + EXTENSIONS[content_type]
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(data)
    safe_name = re.sub(r"[^\w.\- ]", "_", Path(filename or "file").name)[:120] or "file"
    return StoredFile(key=key, content_type=content_type, size=len(data), filename=safe_name)


def path_for(key: str) -> Path:
    if not _KEY.match(key or ""):
        raise NotFound()
    path = Path(current_app.config["UPLOAD_DIR"]) / key
    if not path.is_file():
        raise NotFound()
    return path


def send(
    key: str,
    content_type: str,
    download_name: str | None = None,
    *,
    inline: bool = True,
    public: bool = False,
):
    """Answer with a stored file. Only files anyone may see (a logo, a published offer's image)
    pass public=True and may be cached by proxies; anything access-checked is private, no-store,
    so no shared cache hands it to the next person and no browser keeps it after sign-out."""
    response = send_file(
        path_for(key),
        mimetype=content_type,
        as_attachment=not inline,
        download_name=download_name,
        max_age=3600 if public else None,
    )
    if not public:
        response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response


def delete(key: str | None) -> None:
    """Remove a stored file now; inside a transaction use delete_after_commit instead."""
    if key and _KEY.match(key):
        (Path(current_app.config["UPLOAD_DIR"]) / key).unlink(missing_ok=True)


def delete_after_commit(key: str | None) -> None:
    """Remove a stored file once the current transaction commits; a rollback keeps it.

    Deleting inside the transaction would leave a rolled-back row pointing at a missing file."""
    if not key or not _KEY.match(key):
        return
    path = Path(current_app.config["UPLOAD_DIR"]) / key
    after_commit(db.session(), lambda: _unlink(path))


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("stored file %s not deleted", path.name, exc_info=True)
