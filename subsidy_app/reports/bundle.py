"""The audit bundle: one ZIP an auditor (省审计厅) takes away and checks offline.

It holds the ledger up to the head read first (CSV), the budget report of every fiscal
year with a budget (CSV and PDF), HEAD.txt (the chain's head and the verification made
when the bundle was built), SHA256SUMS (``sha256sum -c`` format), verify_chain.py (standard
library only) and a README saying how to check it all.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy import select

from ..budgets.models import BudgetLine
from ..core import audit
from ..core.permissions import Actor, require
from ..core.timeutil import local_now, to_local, utcnow
from ..extensions import db
from ..ledger import exports as ledger_exports
from ..ledger import operations as ledger
from ..ledger.models import LedgerEntry
from . import exports, operations, pdf

OFFLINE = Path(__file__).resolve().parent / "offline"

README = """山西省引进外国人才资助管理系统 · 审计数据包
Shanxi foreign-talent subsidy system · audit bundle

生成 Generated: {generated} (北京时间 Beijing time) by {who}
分类账 Ledger: {entries} entries, seq 1..{head_seq}; head hash {head_hash}

如何离线核对 How to check it offline
1. 文件完整 Files are intact (coreutils):
       sha256sum -c SHA256SUMS
2. 哈希链 The hash chain (Python 3, standard library only):
       python3 verify_chain.py ledger.csv HEAD.txt
   Each entry's hash is SHA-256 over its canonical text (the fields joined by "|", see
   verify_chain.py) ending with the previous entry's hash; the first entry links to 64
   zeros. The script names the first entry that fails, and checks the last hash against
   HEAD.txt. Keep HEAD.txt: the next bundle's chain must pass through this head hash
   (its entry seq {head_seq} must carry the same hash), which proves nothing before it
   was rewritten in between.
3. 合计 Totals: the net of the "expended" account in ledger.csv (debit − credit) for a
   fiscal year and program equals "paid" in budget-<year>.csv; "committed" and
   "appropriation" likewise equal "committed" and "allocated".
   e.g.  awk -F, 'NR>1 && $8=="expended" {{s[$5" "$6]+=$10-$11}} END {{for (k in s) printf "%s %.2f\\n", k, s[k]}}' ledger.csv
   (columns: 5 fiscal_year, 6 program_code, 8 account, 10 debit, 11 credit; fields
   hold no commas).

政府给予外国人才的资助免征个人所得税（晋发〔2017〕47号（二十））：ledger.csv 中
tax_exempt=true 且 clause 注明条款的行即为此类支付。
Government payments to foreign talent are exempt from income tax (clause (二十)): they
are the lines with tax_exempt=true and the clause given.
"""


def filename() -> str:
    return f"audit-bundle-{local_now():%Y%m%d-%H%M}.zip"


class _HashingWriter:
    """Writes to a ZIP member and hashes what it writes."""

    def __init__(self, member):
        self.member, self.sha256 = member, hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.sha256.update(data)
        self.member.write(data)


def build_bundle(actor: Actor) -> Path:
    """Write the bundle to a temporary file and return its path (the caller removes it)."""
    require(actor, "audit_bundle.read")
    head_seq, head_hash = ledger.read_head()
    verification = ledger.verify_chain()
    generated = utcnow()
    sums: dict[str, str] = {}
    handle = tempfile.NamedTemporaryFile(prefix="audit-bundle-", suffix=".zip", delete=False)
    handle.close()
    path = Path(handle.name)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            sums[name] = hashlib.sha256(data).hexdigest()

        stmt = select(LedgerEntry).where(LedgerEntry.seq <= head_seq).order_by(LedgerEntry.seq)
        with archive.open("ledger.csv", "w", force_zip64=True) as member:
            writer = _HashingWriter(member)
            for chunk in ledger_exports.csv_stream(stmt):
                writer.write(chunk.encode("utf-8"))
        sums["ledger.csv"] = writer.sha256.hexdigest()
        years = db.session.execute(
            select(BudgetLine.fiscal_year).distinct().order_by(BudgetLine.fiscal_year)
        ).scalars()
        for year in years:
            report = operations.compile_budget_report(year)
            add(f"budget-{year}.csv", exports.budget_csv(report).encode("utf-8"))
            add(f"budget-{year}.pdf", pdf.budget_pdf(report, actor))
        add("verify_chain.py", (OFFLINE / "verify_chain.py").read_bytes())
        add(
            "HEAD.txt",
            (
                f"head_seq {head_seq}\nhead_hash {head_hash}\n"
                f"verified_ok {str(verification.ok).lower()}\n"
                f"verified_entries {verification.entries}\n"
                f"generated_at {generated.isoformat()}\n"
            ).encode(),
        )
        add(
            "README.txt",
            README.format(
                generated=to_local(generated).strftime("%Y-%m-%d %H:%M"),
                who=actor.username,
                entries=verification.entries,
                head_seq=head_seq,
                head_hash=head_hash,
            ).encode("utf-8"),
        )
        archive.writestr(
            "SHA256SUMS", "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
        )
    audit.record(
        actor,
        "audit_bundle.download",
        "ledger",
        head_seq,
        after={"head_seq": head_seq, "head_hash": head_hash, "files": sorted(sums)},
    )
    return path
