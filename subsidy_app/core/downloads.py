"""Files sent to the browser or an API client: from memory, or from a temporary file that
is removed once sent (large exports are written to disk, never held whole in memory)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from flask import Response, after_this_request, send_file


def attachment(data: bytes | str, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f"attachment; filename={quote(filename)}; filename*=UTF-8''{quote(filename)}"
    )
    return response


def send_temporary(path: Path, mimetype: str, filename: str) -> Response:
    """Send a temporary file and remove it (the open file stays readable until sent)."""
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename)

    @after_this_request
    def _remove(sent):
        path.unlink(missing_ok=True)
        return sent

    return response
