"""``make bench`` kept working: the 100k-line dataset through the whole benchmark (generate, clean build,
publish, both baselines, agreement with the marts, docs page), plus its measuring helpers on their own.
The full benchmark (1M, 10M, the 1M thin CSV) is too long for CI; docs/benchmarks.md holds its last run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from supplyseg.bench import run


def test_tree_rss_counts_a_child_process() -> None:
    code = "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); time.sleep(3)"
    parent = subprocess.Popen([sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {code!r}])"])
    try:
        peak = 0
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            peak = max(peak, run.tree_rss_bytes(parent.pid))
            time.sleep(0.05)
        assert peak > 300 * 2**20, f"the child's 300 MiB were not counted: peak {peak / 2**20:.0f} MiB"
    finally:
        parent.wait()


def test_run_measured_reports_peak_and_exit_code() -> None:
    measured = run.run_measured([sys.executable, "-c", "block = bytearray(200 * 2**20); import time; time.sleep(0.5); print('done')"])
    assert measured.returncode == 0 and measured.output.strip() == "done"
    assert measured.peak_rss_bytes > 200 * 2**20
    failed = run.run_measured([sys.executable, "-c", "raise SystemExit(3)"])
    assert failed.returncode == 3


def test_slowest_nodes_and_classification_path() -> None:
    run_results = {"results": [
        {"unique_id": "model.p.stg_orders", "execution_time": 2.0},
        {"unique_id": "model.p.int_segment_entities_abc_classified", "execution_time": 5.0},
        {"unique_id": "model.p.int_segment_entities_variability_classified", "execution_time": 4.0},
        {"unique_id": "model.p.fct_policy", "execution_time": 9.0},
        {"unique_id": "test.p.unique_stg_orders_id.abc123", "execution_time": 1.0},
        {"unique_id": "operation.p.p-on-run-start-0", "execution_time": 0.5},
    ]}
    manifest = {
        "nodes": {
            "model.p.stg_orders": {"resource_type": "model", "name": "stg_orders"},
            "model.p.int_segment_entities_abc_classified": {"resource_type": "model", "name": "int_segment_entities_abc_classified"},
            "model.p.int_segment_entities_variability_classified": {"resource_type": "model", "name": "int_segment_entities_variability_classified"},
            "model.p.fct_policy": {"resource_type": "model", "name": "fct_policy"},
        },
        "parent_map": {
            "model.p.int_segment_entities_abc_classified": ["model.p.stg_orders", "seed.p.abc_thresholds"],
            "model.p.int_segment_entities_variability_classified": ["model.p.stg_orders"],
            "model.p.fct_policy": ["model.p.int_segment_entities_abc_classified"],
            "model.p.stg_orders": [],
        },
    }
    assert run.slowest_nodes(run_results, 2) == [("model fct_policy", 9.0), ("model int_segment_entities_abc_classified", 5.0)]
    assert ("test unique_stg_orders_id", 1.0) in run.slowest_nodes(run_results)
    # stg 2 + abc 5 + variability 4 + raw load 0.5; the downstream fct_policy and the test are not counted
    assert run.classification_path_seconds(manifest, run_results) == pytest.approx(11.5)


def test_unknown_dataset_is_named() -> None:
    with pytest.raises(SystemExit) as error:
        run.main(["--datasets", "100k,2m"])
    assert error.value.code == 2


@pytest.mark.e2e
def test_bench_on_100k_lines_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "benchmarks.md"
    code = run.main(["--datasets", "100k", "--cache-dir", str(tmp_path / "data"), "--work-dir", str(tmp_path / "runs"),
                     "--out", str(out), "--no-unit-tests"])
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    assert "[1/1] 100k" in printed and "dbt build:" in printed and "publish:" in printed  # progress shown
    page = out.read_text()
    for heading in ("## Targets", "## Whole flow", "## Classification beside the baselines", "Ten slowest nodes"):
        assert heading in page
    assert "agree with the marts at >= 99.9 % on every grain and field: passed" in page
    assert "cores" in page and "commit" in page
    summary = json.loads((tmp_path / "data" / "100k" / "_truth" / "summary.json").read_text())
    assert 80_000 <= summary["files"]["order_lines"] <= 130_000
    # a second run reuses the generated data
    assert run.ensure_dataset(run.DATASETS["100k"], tmp_path / "data", print) == tmp_path / "data" / "100k"
    assert "cached" in capsys.readouterr().out
