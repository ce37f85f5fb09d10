"""The dashboard's static files under versioned URLs, so a browser keeps them for a year.

Every file under hub/web/static/ is served at ``/static/<version>/<path>``, where the version
is a hash of all of them: a page links to :meth:`Assets.url`, the style sheet's relative
``url(fonts/…)`` lands in the same version, and a new release changes every URL at once. A
versioned answer is ``immutable`` for a year; the same file asked for without the version (or
with an old one, from a page cached before an upgrade) is served too, revalidated every time.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

# A year, the longest lifetime caches honour: a versioned URL never changes its content.
LONG_LIVED = b"public, max-age=31536000, immutable"
# Unversioned (or outdated) URLs: the browser may keep the file but asks again each time.
REVALIDATE = b"no-cache"
VERSION_LENGTH = 12
_VERSION = re.compile(rf"/([0-9a-f]{{{VERSION_LENGTH}}})(/.*)")


def content_version(directory: Path) -> str:
    """A short hash of every file's path and bytes under ``directory``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:VERSION_LENGTH]


class Assets:
    """An ASGI app mounted at ``/static``: the files, with their cache lifetime."""

    def __init__(self, directory: Path, prefix: str = "/static") -> None:
        self.files = StaticFiles(directory=directory)
        self.prefix = prefix
        self.version = content_version(directory)

    def url(self, name: str) -> str:
        return f"{self.prefix}/{self.version}/{name}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"]
        root = scope.get("root_path", "")
        # the path below the mount point, as StaticFiles reads it
        route = path[len(root):] if root and path.startswith(root) else path
        match = _VERSION.fullmatch(route)
        lifetime = REVALIDATE
        if match is not None:
            lifetime = LONG_LIVED if match.group(1) == self.version else REVALIDATE
            scope = {**scope, "path": path[:len(path) - len(route)] + match.group(2)}

        async def with_lifetime(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", lifetime)]}
            await send(message)

        await self.files(scope, receive, with_lifetime)
