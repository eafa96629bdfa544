"""Deterministic demo-data generator for the supplyseg dbt + DuckDB project.

Writes one file per input entity (Parquet or CSV) plus ground truth in ``<out>/_truth``;
see ``docs/demo_data.md``. Entry points: :func:`generate` and ``python -m supplyseg.demo_data``.
"""

from .config import DEFAULT_DEFECT_RATES, PROFILES, SCALES
from .generator import ENTITIES, TRUTH_DIR, build_world, generate

__all__ = ["DEFAULT_DEFECT_RATES", "ENTITIES", "PROFILES", "SCALES", "TRUTH_DIR", "build_world", "generate"]
