"""Early-review triggers, read from the published version (docs/orchestration.md).

Between two scheduled re-segmentations a published segment can become due for review because time
passed, without any new data: a static segment reaches its review date, an override applied in the
published version ends, or an accepted dispute's override starts. The daily sensor asks
``check_triggers`` and requests a build when any count is above zero. Only the published serving
files are read (``supplyseg.publish.open_current``, read-only), never the working database.

Triggers that need new data (``value_change``, ``guardrail``, ``new_entity``; doc block
segment_history) are evaluated by the build itself, so every scheduled or sensor-requested run
applies them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from supplyseg import publish

# Each trigger: the published table it reads, the columns it needs and the condition (``?`` = as-of date).
TRIGGERS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "review_due": (
        "fct_segment_assignments",
        ("segment_mode", "next_review_due_date"),
        "segment_mode = 'static' and next_review_due_date <= ?",
    ),
    "override_ended": (
        "fct_segment_assignments",
        ("override_id", "override_valid_to"),
        "override_id is not null and override_valid_to < ?",
    ),
    "accepted_dispute_starts": (
        "fct_segment_challenges",
        ("becomes_override", "is_override_applied", "override_valid_from"),
        "becomes_override and not is_override_applied and override_valid_from <= ?",
    ),
}


@dataclass(frozen=True)
class TriggerCheck:
    """What the published version says on one as-of date."""

    version_id: str | None
    run_id: str | None
    as_of: date
    counts: dict[str, int]
    notes: tuple[str, ...]

    @property
    def fired(self) -> dict[str, int]:
        """The triggers with at least one entity."""
        return {name: count for name, count in self.counts.items() if count > 0}


def count_triggers(con: duckdb.DuckDBPyConnection, as_of: date) -> tuple[dict[str, int], tuple[str, ...]]:
    """Entities per trigger in the marts of ``con``; a table or column missing counts 0, with a note."""
    counts: dict[str, int] = {}
    notes: list[str] = []
    for name, (table, columns, condition) in TRIGGERS.items():
        present = {
            column.lower()
            for (column,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
                [table],
            ).fetchall()
        }
        missing = [column for column in columns if column not in present]
        if missing:
            counts[name] = 0
            notes.append(f"{name}: marts.{table} lacks {', '.join(missing)} in the published version; not checked")
            continue
        # The SQL text is fixed above; the date is a parameter.
        counts[name] = con.execute(f"select count(*) from marts.{table} where {condition}", [as_of]).fetchone()[0]
    return counts, tuple(notes)


def check_triggers(serving_dir: Path | str | None, as_of: date) -> TriggerCheck:
    """Count the early-review triggers in the current published version (none when nothing is published)."""
    version = publish.current_version(serving_dir)
    if version is None:
        return TriggerCheck(None, None, as_of, {name: 0 for name in TRIGGERS}, ("nothing is published yet",))
    with publish.open_version(version.version_id, serving_dir) as con:
        counts, notes = count_triggers(con, as_of)
    return TriggerCheck(version.version_id, version.run_id, as_of, counts, notes)
