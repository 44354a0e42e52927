"""Evidence: files kept outside the database under their SHA-256, checked by their bytes."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from ..core import audit
from ..core.errors import Conflict, Forbidden, NotFound, invalid
from ..core.permissions import Actor, can, require
from ..extensions import db
from . import operations as claims
from .models import ClaimDocument, ClaimStatus

#: What evidence may be: the type is read from the file's first bytes, never its name.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
CHUNK = 64 * 1024
#: Statuses in which the applicant adds evidence; later only a deferred document. A
#: rejected claim takes new evidence while its one appeal is still open (the evidence the
#: appeal rests on, attached before or with the appeal).
OPEN_FOR_EVIDENCE = {ClaimStatus.DRAFT, ClaimStatus.RETURNED, ClaimStatus.SUBMITTED, ClaimStatus.APPEALED}


def open_for_evidence(claim) -> bool:
    """The applicant may attach any document the program asks for now."""
    return claim.status in OPEN_FOR_EVIDENCE or (
        claim.status == ClaimStatus.REJECTED and claim.appealed_at is None
    )


def may_attach(actor: Actor, claim) -> bool:
    """The claim page offers the upload form: what :func:`upload` would accept."""
    return (
        can(actor, "claim.upload")
        and claims.is_applicant(actor, claim)
        and (open_for_evidence(claim) or bool(claims.outstanding_deferrals(claim)))
    )


def sniff(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def storage_root() -> Path:
    root = current_app.config.get("DOCUMENT_STORAGE") or os.path.join(current_app.instance_path, "documents")
    return Path(root)


def path_of(sha256: str) -> Path:
    return storage_root() / sha256[:2] / sha256


#: Characters dropped from file names: controls (Cc), formatting characters (Cf: the
#: bidirectional embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, marks
#: U+200E/U+200F, zero-width characters), lone surrogates, line and paragraph separators.
#: ``invoice\u202efdp.exe`` would otherwise show as ``invoiceexe.pdf``.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def safe_filename(name: str | None) -> str:
    """The name to store and show: its last path component (``/`` or ``\\``), without
    invisible or reordering characters, without characters file systems refuse."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = re.sub(r"\s+", " ", name)
    name = re.sub(r'[:*?"<>|]+', "_", name).strip()
    return name[:200] or "document"


def _store(stream) -> tuple[str, int, str]:
    """Copy the upload to storage, hashing as it goes. Returns (sha256, size, content type)."""
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    digest, size, head = hashlib.sha256(), 0, b""
    root = storage_root()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, delete=False) as tmp:
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise invalid("file", _("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
                if len(head) < 16:
                    head += chunk[:16]
                digest.update(chunk)
                tmp.write(chunk)
            if size == 0:
                raise invalid("file", _("The file is empty."))
            content_type = sniff(head)
            if content_type is None:
                raise invalid(
                    "file",
                    _(
                        "Only PDF, PNG and JPEG files are accepted (checked by "
                        "their content, not their name)."
                    ),
                )
        except BaseException:
            tmp.close()
            os.unlink(tmp.name)
            raise
    sha = digest.hexdigest()
    target = path_of(sha)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        os.unlink(tmp.name)  # the same bytes are already kept
    else:
        os.replace(tmp.name, target)
    return sha, size, content_type


def upload(actor: Actor, claim_id: int, *, kind: str, file) -> ClaimDocument:
    require(actor, "claim.upload")
    claim = claims.get_claim(actor, claim_id)
    if not claims.is_applicant(actor, claim):
        raise Forbidden(_("Only the applicant adds evidence to a claim."))
    if kind not in {d.kind_code for d in claim.program.documents}:
        raise invalid(
            "kind",
            _(
                "Not a document this program asks for: %(kinds)s.",
                kinds=", ".join(d.kind_code for d in claim.program.documents),
            ),
        )
    deferred = {d.kind for d in claims.outstanding_deferrals(claim)}
    if not open_for_evidence(claim) and kind not in deferred:
        raise Conflict(_("Evidence can no longer be added to this claim."), code="invalid_status")
    if file is None:
        raise invalid("file", _("Missing data for required field."))
    sha, size, content_type = _store(file.stream)
    document = ClaimDocument(
        claim_id=claim.id,
        kind=kind,
        filename=safe_filename(file.filename),
        content_type=content_type,
        size_bytes=size,
        sha256=sha,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    db.session.expire(claim, ["documents"])
    claims.forget_evaluation(claim)
    audit.record(
        actor,
        "claim.document_upload",
        "claim",
        claim.id,
        after={
            "document_id": document.id,
            "kind": kind,
            "filename": document.filename,
            "sha256": sha,
            "size_bytes": size,
            "content_type": content_type,
            "deferred": kind in deferred,
        },
    )
    return document


def open_document(actor: Actor, claim_id: int, document_id: int) -> tuple[ClaimDocument, Path]:
    """A document of a claim the actor may see, and where its bytes are."""
    claim = claims.get_claim(actor, claim_id)
    document = db.session.get(ClaimDocument, document_id)
    if document is None or document.claim_id != claim.id:
        raise NotFound(_("Not found."))
    path = path_of(document.sha256)
    if not path.exists():
        raise NotFound(_("The file of this document is missing from storage."))
    return document, path
