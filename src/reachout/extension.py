"""The browser extension (SPEC §8) as the app hands it out: `extension/` of the repository,
zipped. Settings → Get the browser extension downloads it; `reachout extension pack` writes it.

The folder is found beside the source tree (a checkout, an editable install) or where a wheel
installs it (`share/reachout/extension` under the environment's prefix: see pyproject's
data-files).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends, Response

from reachout.errors import NotFound
from reachout.models import User
from reachout.users.auth import page_user
from reachout.web.route import PageRoute

ZIP_NAME = "reachout-extension.zip"
# A fixed time for every entry, so the same files always make the same zip.
_EPOCH = (2026, 1, 1, 0, 0, 0)

router = APIRouter(route_class=PageRoute)


def extension_dir() -> Path | None:
    """The extension's folder, or None when this installation has none."""
    for folder in (
        Path(__file__).resolve().parents[2] / "extension",
        Path(sys.prefix) / "share" / "reachout" / "extension",
    ):
        if (folder / "manifest.json").is_file():
            return folder
    return None


def pack() -> bytes:
    """The extension's files as a zip, at its root (what Load unpacked is pointed at)."""
    folder = extension_dir()
    if folder is None:
        raise NotFound("this installation has no browser extension (extension/ is missing)")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder)
            if any(part.startswith(".") for part in relative.parts):
                continue
            entry = zipfile.ZipInfo(relative.as_posix(), date_time=_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


@router.get("/extension.zip")
def download(user: User = Depends(page_user)) -> Response:
    return Response(
        pack(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{ZIP_NAME}"'},
    )
