"""Regenerate the demo corpus in corpora/demo from review/demo.py (deterministic)."""

from __future__ import annotations

import shutil
from pathlib import Path

from review.demo import write_demo

if __name__ == "__main__":
    target = Path(__file__).resolve().parent / "demo"
    shutil.rmtree(target / "docs", ignore_errors=True)  # drop files a changed generator no longer writes
    write_demo(target)
    print(f"Wrote the demo corpus to {target}")
