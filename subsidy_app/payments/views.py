"""HTML pages of payments: claims awaiting payment, building a batch, approving it (another
finance user), disbursing it, the bank file and the bank's result file."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.orm import noload

from ..claims import operations as claims
from ..claims import presentation
from ..claims.models import ClaimStatus
from ..core.downloads import attachment
from ..core.errors import AppError
from ..core.htmlforms import attempt, options
from ..core.i18n import format_money
from ..core.pagination import order_by_sort, paginate_html, parse_sort
from ..core.permissions import can
from ..extensions import db
from ..users.auth import current_actor
from ..users.models import User
from . import operations
from .forms import BankResultConfirmForm, BankResultForm, BatchActionForm, BatchForm
from .models import BatchStatus, PaymentBatch

bp = Blueprint("payments", __name__, template_folder="templates", url_prefix="/payments")

#: The batches list's orders (``?sort=``, ``?direction=``); the default is the operations' order.
BATCH_SORTS = {
    "id": PaymentBatch.id,
    "status": PaymentBatch.status,
    "claims": PaymentBatch.item_count,
    "total": PaymentBatch.total,
    "built": PaymentBatch.created_at,
}


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    # at most 200, batched (one statement for the page, the red list read once)
    ready = claims.claim_page(actor, 1, 200, status=ClaimStatus.FINANCE_APPROVED, order="newest")
    awaiting = [presentation.describe(actor, c, full=False, red_ids=ready["red_ids"]) for c in ready["items"]]
    form = BatchForm()
    form.claim_ids.choices = options([(c["id"], f"#{c['id']}") for c in awaiting])
    if form.validate_on_submit():
        batch = attempt(None, lambda: operations.create_batch(actor, claim_ids=form.claim_ids.data), None)
        if batch:
            flash(_("Batch %(id)s built: another finance user approves it.", id=batch.id), "info")
            return redirect(url_for("payments.batch", batch_id=batch.id))
    elif request.method == "POST":
        flash(_("Choose at least one claim."), "error")
    sort, direction = parse_sort(request.args, BATCH_SORTS, None)
    stmt = order_by_sort(operations.list_batches(actor), BATCH_SORTS, sort, direction, PaymentBatch.id)
    # the list shows each batch's count and total: not its items (up to 10,000 a batch)
    page = paginate_html(
        stmt.options(noload(PaymentBatch.items)), request.args, sort=sort, direction=direction
    )
    return render_template(
        "payments/index.html", awaiting=awaiting, form=form, page=page, may_build=can(actor, "payment.create")
    )


def _person(user_id: int | None) -> str | None:
    """Who acted on a batch, as people know them: display name (username)."""
    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return None
    return f"{user.display_name} ({user.username})" if user.display_name else user.username


def _may(actor, batch, action: str) -> bool:
    """The batch page offers only the step this user may take (the operations decide again)."""
    if action == "approve":
        return (
            batch.status == BatchStatus.DRAFT
            and can(actor, "payment.approve")
            and batch.created_by_id != actor.id
        )
    return batch.status == BatchStatus.APPROVED and can(actor, "payment.disburse")


def _payees(batch) -> str:
    names = list(dict.fromkeys(i.payee_name for i in batch.items))
    shown = "、".join(names[:5])
    return shown + (_(" and %(n)s more", n=len(names) - 5) if len(names) > 5 else "")


def _confirmation(actor, batch, form: BatchActionForm):
    """What approving or disbursing the batch does, in words; the step is taken only from
    this page (``confirm=yes``)."""
    action = form.action.data
    reference = (form.bank_reference.data or "").strip()
    total = format_money(batch.total)
    facts = [
        (_("Batch"), f"#{batch.id}"),
        (_("Claims"), str(batch.item_count)),
        (_("Total"), _("%(amount)s yuan", amount=total)),
        (_("Payees"), _payees(batch)),
        (
            _("Built by"),
            f"{_person(batch.created_by_id) or '—'} · {format_datetime(batch.created_at, 'yyyy-MM-dd HH:mm')}",
        ),
    ]
    if action == "approve":
        title = _("Approve payment batch #%(id)s?", id=batch.id)
        question = _(
            "You approve %(n)s payments, %(total)s yuan in all, as the second pair of eyes; the "
            "batch can then be sent to the bank.",
            n=batch.item_count,
            total=total,
        )
        confirm = _("Yes, approve batch #%(id)s", id=batch.id)
    else:
        facts.append((_("Approved by"), _person(batch.approved_by_id) or "—"))
        facts.append((_("Bank reference"), reference))
        title = _("Mark payment batch #%(id)s as disbursed?", id=batch.id)
        question = _(
            "Record that the bank transferred %(n)s payments, %(total)s yuan in all, under bank "
            "reference %(reference)s. Every claim in the batch becomes paid and is booked in the "
            "ledger; this is not undone (a failed payment comes back with the bank's result file).",
            n=batch.item_count,
            total=total,
            reference=reference,
        )
        confirm = _("Yes, mark %(total)s yuan as paid", total=total)
    return render_template(
        "_confirm.html",
        title=title,
        question=question,
        facts=facts,
        warnings=_account_warnings(batch),
        hidden=[("action", action), ("bank_reference", reference)],
        action_url=url_for("payments.batch", batch_id=batch.id),
        confirm_label=confirm,
        danger=action == "disburse",
        back_url=url_for("payments.batch", batch_id=batch.id),
        back_label=_("Back to the batch"),
    )


def _account_warnings(batch) -> list[str]:
    """The payees whose bank account changed shortly before the batch or on one person's
    word (as the batch page marks them): said again where the money is approved and sent."""
    return [
        _(
            "%(payee)s (claim #%(claim)s): the bank account was changed on %(date)s by %(by)s "
            "and not confirmed by a second person. Check it before the money goes to it.",
            payee=item.payee_name,
            claim=item.claim_id,
            date=format_datetime(item.account_changed_at, "yyyy-MM-dd") if item.account_changed_at else "—",
            by=item.account_changed_by or "—",
        )
        if not item.account_confirmed_by
        else _(
            "%(payee)s (claim #%(claim)s): the bank account was changed on %(date)s, shortly before "
            "this batch (proposed by %(by)s, confirmed by %(confirmed)s).",
            payee=item.payee_name,
            claim=item.claim_id,
            date=format_datetime(item.account_changed_at, "yyyy-MM-dd") if item.account_changed_at else "—",
            by=item.account_changed_by or "—",
            confirmed=item.account_confirmed_by,
        )
        for item in batch.items
        if item.account_flagged
    ]


def _done(batch, action: str) -> str:
    if action == "approve":
        return _(
            "Batch #%(id)s approved: %(n)s payments, %(total)s yuan in all; it can be sent to the bank.",
            id=batch.id,
            n=batch.item_count,
            total=format_money(batch.total),
        )
    return _(
        "Batch #%(id)s marked as disbursed: %(n)s payments, %(total)s yuan in all, bank reference %(reference)s.",
        id=batch.id,
        n=batch.item_count,
        total=format_money(batch.total),
        reference=batch.bank_reference,
    )


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@login_required
def batch(batch_id):
    """The batch, who built, approved and disbursed it; approving and disbursing are made
    only from their confirmation page (the same POST with ``confirm=yes``)."""
    actor = current_actor()
    form = BatchActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        steps = {
            "approve": lambda: operations.approve_batch(actor, batch_id),
            "disburse": lambda: operations.disburse_batch(
                actor, batch_id, bank_reference=form.bank_reference.data or ""
            ),
        }
        action = form.action.data
        if action not in steps:
            abort(400)
        back = redirect(url_for("payments.batch", batch_id=batch_id))
        if form.confirm.data != "yes":
            found = operations.get_batch(actor, batch_id)
            if action == "disburse" and not (form.bank_reference.data or "").strip():
                flash(_("Give the bank's reference of the transfer."), "error")
                return back
            if not _may(actor, found, action):
                # the operation says why (four eyes, status, role); nothing changes
                attempt(None, steps[action], None)
                db.session.rollback()
                return back
            return _confirmation(actor, found, form)
        done = attempt(None, steps[action], None)
        if not done:
            db.session.rollback()
            return back
        flash(_done(done, action), "info")
        return back
    found = operations.get_batch(actor, batch_id)
    return render_template(
        "payments/batch.html",
        batch=found,
        people={
            "built": _person(found.created_by_id),
            "approved": _person(found.approved_by_id),
            "disbursed": _person(found.disbursed_by_id),
        },
        may_approve=_may(actor, found, "approve"),
        may_disburse=_may(actor, found, "disburse"),
        form=BatchActionForm(formdata=None),
        result_form=BankResultForm(),
    )


@bp.route("/batches/<int:batch_id>/bank-file.csv")
@login_required
def bank_file(batch_id):
    return attachment(
        operations.bank_file(current_actor(), batch_id), "text/csv", f"batch-{batch_id}-bank-file.csv"
    )


@bp.route("/batches/<int:batch_id>/bank-result", methods=["POST"])
@login_required
def bank_result(batch_id):
    """The bank's result file: read and shown first (what it confirms, what it reverses,
    what it holds for a person), imported only from that page (``confirm=yes``)."""
    actor = current_actor()
    back = redirect(url_for("payments.batch", batch_id=batch_id))
    if request.form.get("confirm") != "yes":
        form = BankResultForm()
        if not form.validate_on_submit():
            flash(_("Choose the bank's result file."), "error")
            return back
        try:
            content = form.file.data.read().decode("utf-8-sig")
            preview = operations.preview_bank_result(actor, batch_id, content)
        except (AppError, UnicodeDecodeError) as exc:
            db.session.rollback()
            _flash_file_errors(exc)
            return back
        return _bank_result_confirmation(preview, content, form.file.data.filename or "")
    confirmed = BankResultConfirmForm()
    if not confirmed.validate_on_submit():
        abort(400)
    try:
        summary = operations.import_bank_result(actor, batch_id, confirmed.content.data)
    except AppError as exc:
        db.session.rollback()
        _flash_file_errors(exc)
    else:
        flash(
            _(
                "Bank result imported: %(paid)s paid, %(failed)s failed.",
                paid=summary.get("confirmed", 0),
                failed=summary.get("failed", 0),
            ),
            "info",
        )
        for held in summary.get("needs_review", []):
            flash(
                _(
                    "Claim %(id)s: the bank reports the payment failed, but it was not "
                    "reversed: %(reason)s Settle it by hand.",
                    id=held["claim_id"],
                    reason=held["reason"],
                ),
                "error",
            )
    return back


def _flash_file_errors(exc) -> None:
    """Why the file was refused, each line's problem with its line number in words."""
    if isinstance(exc, UnicodeDecodeError):
        flash(_("The file is not UTF-8 text."), "error")
        return
    flash(exc.message, "error")
    for key, messages in exc.fields.items():
        number = key.removeprefix("line ").strip()
        where = _("Line %(n)s", n=number) if number.isdigit() else _("File")
        for message in messages:
            flash(f"{where}: {message}", "error")


def _bank_result_confirmation(preview: dict, content: str, filename: str):
    batch = preview["batch"]

    def listed(entries) -> str:
        shown = [
            f"#{item.claim_id} {item.payee_name} {format_money(item.net_amount)}" for item in entries[:10]
        ]
        more = len(entries) - len(shown)
        return "；".join(shown) + (_(" and %(n)s more", n=more) if more > 0 else "") or "—"

    failed = [item for item, _why in preview["failed"]]
    held = [item for item, _why in preview["needs_review"]]
    facts = [
        (_("Batch"), f"#{batch.id} · {batch.bank_reference or '—'}"),
        (_("File"), filename or "—"),
        (_("Payments confirmed"), str(len(preview["confirmed"]))),
        (
            _("Payments returned by the bank, to reverse"),
            f"{len(failed)} · {_('%(amount)s yuan', amount=format_money(sum((i.net_amount for i in failed), Decimal('0'))))}",
        ),
        (_("Reversed"), listed(failed)),
    ]
    warnings = [
        _(
            "Claim %(id)s: the bank reports the payment failed, but it cannot be reversed here: %(reason)s",
            id=item.claim_id,
            reason=why,
        )
        for item, why in preview["needs_review"]
    ]
    if held:
        facts.append((_("Held for a person to settle"), listed(held)))
    return render_template(
        "_confirm.html",
        title=_("Import the bank's result for batch #%(id)s?", id=batch.id),
        question=_(
            "Each payment the bank returned is reversed by new ledger entries (the money goes back "
            "to the budget line's commitment) and its claim waits for payment again; the payments "
            "confirmed keep their bank reference. Entries are not deleted afterwards; importing "
            "the same file again changes nothing more."
        ),
        facts=facts,
        warnings=warnings,
        hidden=[("content", content), ("filename", filename)],
        action_url=url_for("payments.bank_result", batch_id=batch.id),
        confirm_label=_("Yes, import the result"),
        danger=bool(failed),
        back_url=url_for("payments.batch", batch_id=batch.id),
        back_label=_("Back to the batch"),
    )
