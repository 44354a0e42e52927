#!/usr/bin/env python3
"""Recompute the hash chain of ledger.csv offline, with Python's standard library only.

    python3 verify_chain.py ledger.csv [HEAD.txt]

Each line's hash is SHA-256 over its canonical text: the fields below joined by "|", in
this order, with the time in UTC as YYYY-MM-DDTHH:MM:SS.ffffff, amounts with two decimals,
the tax-exempt mark as 1 or 0, and the previous line's hash last (64 zeros for the first).
Prints the number of entries and the head hash; exits 1 at the first line that does not
match, naming its seq, or if the head differs from HEAD.txt.
"""

import csv
import hashlib
import sys
from datetime import UTC, datetime

GENESIS = "0" * 64


def canonical(row: dict) -> str:
    stamp = datetime.fromisoformat(row["posted_at"]).astimezone(UTC)
    return "|".join(
        [
            row["seq"],
            row["transaction_id"],
            stamp.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            row["kind"],
            row["fiscal_year"],
            row["program_code"],
            row["claim_id"],
            row["account"],
            row["payee"],
            row["debit"],
            row["credit"],
            "1" if row["tax_exempt"] == "true" else "0",
            row["clause"],
            row["reference"],
            row["prev_hash"],
        ]
    )


def main(ledger_csv: str, head_file: str | None = None) -> int:
    previous, count = GENESIS, 0
    with open(ledger_csv, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["prev_hash"] != previous:
                print(f"BROKEN at seq {row['seq']}: it does not link to the entry before")
                return 1
            if hashlib.sha256(canonical(row).encode("utf-8")).hexdigest() != row["hash"]:
                print(f"BROKEN at seq {row['seq']}: its content does not match its hash")
                return 1
            previous, count = row["hash"], count + 1
    print(f"entries {count}")
    print(f"head_hash {previous}")
    if head_file:
        with open(head_file, encoding="utf-8") as handle:
            recorded = dict(line.strip().split(" ", 1) for line in handle if " " in line.strip())
        if recorded.get("head_hash") != previous:
            print(f"HEAD MISMATCH: HEAD.txt records {recorded.get('head_hash')}")
            return 1
        print("head matches HEAD.txt")
    return 0


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
