"""Run one baseline in its own process, so the benchmark measures its time and memory alone.

    python -m supplyseg.bench.baseline_step baseline_pandas RAW_DIR OUT.parquet THREADS

Prints one JSON line last: the seconds ``classify`` took (from reading the files to the classes) and
the rows it returned; the classes go to OUT.parquet for the agreement check.
"""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import time
from pathlib import Path

BASELINES = ("baseline_pandas", "baseline_duckdb")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4 or args[0] not in BASELINES:
        print(f"usage: baseline_step {{{'|'.join(BASELINES)}}} RAW_DIR OUT.parquet THREADS", file=sys.stderr)
        return 2
    module = importlib.import_module(f"supplyseg.bench.{args[0]}")
    raw_dir, out_file, threads = Path(args[1]), Path(args[2]), int(args[3])
    kwargs = {"threads": threads} if "threads" in inspect.signature(module.classify).parameters else {}
    start = time.perf_counter()
    classes = module.classify(raw_dir, **kwargs)
    seconds = time.perf_counter() - start
    classes.to_parquet(out_file, index=False)
    print(json.dumps({"seconds": seconds, "rows": len(classes)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
