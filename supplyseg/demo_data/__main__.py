"""Command line: python -m supplyseg.demo_data --scale small --seed 42 --out DIR [--format csv] [--profile thin]."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Sequence

from .config import FORMATS, PROFILES, SCALES
from .generator import generate


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command-line arguments."""
    parser = argparse.ArgumentParser(prog="python -m supplyseg.demo_data",
                                     description="Write the deterministic supplyseg demo dataset.")
    parser.add_argument("--scale", choices=list(SCALES), required=True,
                        help="small ~20k order lines, medium ~100k, demo ~1M, large ~10M, extract ~3M (~1M with --profile thin)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    parser.add_argument("--out", required=True, help="output folder (ground truth goes to OUT/_truth)")
    parser.add_argument("--format", dest="fmt", choices=list(FORMATS), default="parquet")
    parser.add_argument("--profile", choices=list(PROFILES), default="full")
    parser.add_argument("--quiet", action="store_true", help="no progress lines, only the summary")
    return parser.parse_args(argv)


def format_summary(summary: dict[str, Any], seconds: float) -> str:
    """A short human-readable summary of a run."""
    lines = [f"supplyseg demo data: scale={summary['scale']} seed={summary['seed']} profile={summary['profile']} "
             f"format={summary['format']} history {summary['history_start']}..{summary['history_end']}",
             f"  written to {summary['out_dir']} in {seconds:.1f} s"]
    lines += [f"  {name:<20} {rows:>12,} rows" for name, rows in summary["files"].items()]
    defects = ", ".join(f"{k}={v:,}" for k, v in summary["defects"].items())
    lines.append(f"  defects: {defects}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator and print its summary; returns the exit code."""
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        summary = generate(args.scale, args.seed, args.out, fmt=args.fmt, profile=args.profile,
                           progress=None if args.quiet else lambda message: print(message, flush=True))
    except (ValueError, OSError) as exc:
        print(f"error: {exc}; nothing usable was written to {args.out} (check the folder and the arguments,"
              " `--help` lists them)", file=sys.stderr)
        return 2
    print(format_summary(summary, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
