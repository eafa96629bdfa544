"""Benchmark scripts (measured by hand or in CI, never as timed tests); results go to docs/benchmarks_*.md."""
