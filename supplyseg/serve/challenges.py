"""Segment challenges raised on the planner page, appended to the governance input (docs/serving.md).

A challenge (dispute) of a published segment is one row of the governance input
``<governance_path>/segment_challenges.csv``, the file the next ``dbt build`` reads as source
``governance.segment_challenges`` (models/staging/governance/, doc block ``segment_challenges``) and turns
into a dispute in ``marts.fct_segment_challenges``. This module validates a new challenge with the rules
the source and staging apply (required values, types, allowed grain, segment code, service tier and
status) and appends it:

- under an exclusive lock (``fcntl.flock`` on ``.segment_challenges.lock`` in the same folder), so two
  planners saving at once never lose a row or get the same id;
- by rewriting the whole file into a temporary file in the same folder, fsyncing it and ``os.replace``-ing
  it over the old one, so a build reading the folder sees the old file or the new one, never half a row;
- with the ``csv`` module's quoting (a reason with commas, quotes or line breaks stays one field).

The new row gets the next free id ``DSP-<n>`` (four digits at least), ``raised_date`` today (UTC) and
status ``open``. The allowed segment codes and service tiers of a grain come from the project's seeds
(``abc_xyz_segments`` restricted to the grain's ABC classes in ``abc_thresholds``; ``service_tiers``), the
same files the next build checks the row against.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from supplyseg.dbt_runner import PROJECT_DIR

CHALLENGES_FILE = "segment_challenges.csv"
CHALLENGES_PARQUET = "segment_challenges.parquet"
LOCK_FILE = ".segment_challenges.lock"
TEMP_PREFIX = ".segment_challenges.tmp-"
ID_PREFIX = "DSP-"
NEW_STATUS = "open"
# The columns of source governance.segment_challenges, in the order of _governance__sources.yml.
COLUMNS = (
    "challenge_id", "grain", "entity_id", "raised_by", "raised_date", "reason", "requested_segment_code",
    "requested_service_tier", "status", "decision", "decided_by", "decided_date", "override_valid_from",
    "override_valid_to",
)
MAX_LENGTH = {"entity_id": 100, "raised_by": 100, "reason": 2000}
# A leading character a spreadsheet would run as a formula when the file is opened in one.
FORMULA_START = ("=", "+", "@")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ID_NUMBER = re.compile(r"^DSP-(\d+)$")


class ChallengeRejected(ValueError):
    """The challenge breaks a rule of the governance input; the message says which and what to do."""


class GovernanceInputError(RuntimeError):
    """The governance folder or its file cannot take a new row (not configured, Parquet, broken header)."""


@dataclass(frozen=True)
class SegmentCatalogue:
    """What may be requested at each grain: segment codes (with names) and service tiers."""

    segment_names: dict[str, dict[str, str]]
    service_tiers: dict[str, list[int]]

    @property
    def grains(self) -> list[str]:
        return sorted(self.segment_names)

    def segment_codes(self, grain: str) -> list[str]:
        return list(self.segment_names.get(grain, {}))


def _read_seed(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_catalogue(project_dir: Path = PROJECT_DIR) -> SegmentCatalogue:
    """The segment codes and service tiers each grain allows, from the project's seeds."""
    seeds = project_dir / "seeds" / "segmentation"
    segments = _read_seed(seeds / "abc_xyz_segments.csv")
    classes: dict[str, set[str]] = {}
    for row in _read_seed(seeds / "abc_thresholds.csv"):
        classes.setdefault(row["grain"], set()).add(row["abc_class"])
    names = {
        grain: {row["segment_code"]: row["segment_name"] for row in segments if row["abc_class"] in grain_classes}
        for grain, grain_classes in classes.items()
    }
    tiers: dict[str, list[int]] = {}
    for row in _read_seed(seeds / "service_tiers.csv"):
        tiers.setdefault(row["grain"], []).append(int(row["service_tier"]))
    return SegmentCatalogue(segment_names=names, service_tiers={grain: sorted(t) for grain, t in tiers.items()})


def _clean_text(name: str, value: str | None, label: str) -> str:
    text = " ".join((value or "").split())  # line breaks and runs of spaces become one space
    if not text:
        raise ChallengeRejected(f"{label} is required: enter {label.lower()} before saving the challenge.")
    if _CONTROL.search(text):
        raise ChallengeRejected(f"{label} contains a control character; type it as plain text.")
    if len(text) > MAX_LENGTH[name]:
        raise ChallengeRejected(f"{label} is {len(text)} characters long; shorten it to {MAX_LENGTH[name]} at most.")
    if text.startswith(FORMULA_START):
        raise ChallengeRejected(
            f"{label} must not start with {', '.join(FORMULA_START)} (a spreadsheet would run it as a formula); "
            "start it with a word.")
    return text


def validate_challenge(
    catalogue: SegmentCatalogue,
    grain: str,
    entity_id: str,
    raised_by: str | None,
    reason: str | None,
    requested_segment_code: str | None,
    requested_service_tier: str | int | None = None,
) -> dict[str, str]:
    """The challenge as the text values of its new row, or ChallengeRejected naming the field at fault."""
    if grain not in catalogue.segment_names:
        raise ChallengeRejected(f"Grain '{grain}' is not segmented; use one of {', '.join(catalogue.grains)}.")
    entity = _clean_text("entity_id", entity_id, "Entity")
    who = _clean_text("raised_by", raised_by, "Raised by")
    why = _clean_text("reason", reason, "Reason")
    code = (requested_segment_code or "").strip().upper()
    allowed = catalogue.segment_codes(grain)
    if not code:
        raise ChallengeRejected(f"Requested segment is required: choose one of {', '.join(allowed)}.")
    if code not in allowed:
        raise ChallengeRejected(
            f"Requested segment '{code}' is not a segment of grain {grain}; choose one of {', '.join(allowed)}.")
    tier_text = str(requested_service_tier).strip() if requested_service_tier is not None else ""
    if tier_text:
        tiers = catalogue.service_tiers.get(grain, [])
        if not tier_text.isdigit() or int(tier_text) not in tiers:
            raise ChallengeRejected(
                f"Requested service tier '{tier_text}' is not a tier of grain {grain}; choose one of "
                f"{', '.join(str(t) for t in tiers)} or leave it empty to keep the computed tier.")
        tier_text = str(int(tier_text))
    return {
        "grain": grain, "entity_id": entity, "raised_by": who, "reason": why,
        "requested_segment_code": code, "requested_service_tier": tier_text,
    }


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with (folder / LOCK_FILE).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of the existing file (empty when there is none)."""
    if not path.exists():
        return [], []
    try:
        return _parse_rows(path)
    except UnicodeDecodeError:
        raise GovernanceInputError(
            f"{path} is not UTF-8 encoded; convert it to UTF-8 (the build reads only UTF-8) before raising "
            "challenges.") from None


def _parse_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        keys = [name.strip().lower() for name in header]
        if len(set(keys)) != len(keys):
            raise GovernanceInputError(
                f"{path} has duplicate column names ({', '.join(header)}); fix the header before raising challenges.")
        if header and "challenge_id" not in keys:
            raise GovernanceInputError(
                f"{path} has no column challenge_id (columns: {', '.join(header)}); it is not a segment "
                "challenges file. Move it away or fix its header.")
        rows = []
        for row in reader:
            if None in row:  # more fields than the header: rewriting would lose them
                raise GovernanceInputError(
                    f"{path}, line {reader.line_num}: the row has more fields than the header "
                    f"({len(header)}); fix or quote that row before raising challenges.")
            rows.append({name: value or "" for name, value in row.items()})
    return header, rows


def next_challenge_id(existing_ids: list[str]) -> str:
    """``DSP-<n>`` with n one above the highest number of the ``DSP-<digits>`` ids (others are ignored)."""
    numbers = [int(match.group(1)) for value in existing_ids if (match := _ID_NUMBER.match(value.strip()))]
    return f"{ID_PREFIX}{max(numbers, default=0) + 1:04d}"


def _write_atomically(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=header, quoting=csv.QUOTE_MINIMAL, lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    temp = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        with temp.open("w", newline="", encoding="utf-8") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def raise_challenge(
    governance_dir: Path | str | None,
    grain: str,
    entity_id: str,
    raised_by: str | None,
    reason: str | None,
    requested_segment_code: str | None,
    requested_service_tier: str | int | None = None,
    catalogue: SegmentCatalogue | None = None,
    today: date | None = None,
    published: tuple[str, int] | None = None,
) -> dict[str, str]:
    """Validate a challenge and append it to the governance input; returns the row written (with its id).

    ``published``: the entity's published final segment and tier; a challenge that requests exactly them
    (same segment, and the same tier or none) changes nothing and is refused.
    """
    if governance_dir is None or str(governance_dir).strip() == "":
        raise GovernanceInputError(
            "No governance folder is configured, so challenges cannot be saved. Start the app with the folder "
            "the build reads as var governance_path (supplyseg serve --governance-path DIR).")
    folder = Path(governance_dir)
    values = validate_challenge(catalogue or load_catalogue(), grain, entity_id, raised_by, reason,
                                requested_segment_code, requested_service_tier)
    if published is not None and values["requested_segment_code"] == published[0] and (
            values["requested_service_tier"] in ("", str(published[1]))):
        raise ChallengeRejected(
            f"{grain} {values['entity_id']} is already published in segment {published[0]}, tier {published[1]}; "
            "request another segment or another service tier.")
    if (folder / CHALLENGES_PARQUET).exists():
        raise GovernanceInputError(
            f"The governance input is the Parquet file {folder / CHALLENGES_PARQUET}; the planner page appends to "
            f"{CHALLENGES_FILE} only, and a build refuses a folder with both. Convert it to CSV to raise challenges here.")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CHALLENGES_FILE
    with _locked(folder):
        header, rows = _read_rows(path)
        by_key = {name.strip().lower(): name for name in header}
        header = header + [column for column in COLUMNS if column not in by_key]
        by_key.update({column: column for column in COLUMNS if column not in by_key})
        new = dict(values, challenge_id=next_challenge_id([row.get(by_key["challenge_id"], "") for row in rows]),
                   raised_date=(today or datetime.now(UTC).date()).isoformat(), status=NEW_STATUS)
        rows.append({by_key[column]: new.get(column, "") for column in COLUMNS})
        _write_atomically(path, header, rows)
    return {column: new.get(column, "") for column in COLUMNS}


def challenges_of(governance_dir: Path | str, grain: str, entity_id: str) -> list[dict[str, str]]:
    """The rows of the governance input that challenge one entity, in file order (for the planner page).

    Read without the lock: the file is only ever replaced whole, so a reader sees the old or the new one.
    """
    folder = Path(governance_dir)
    try:
        header, rows = _read_rows(folder / CHALLENGES_FILE)
    except GovernanceInputError:
        return []
    by_key = {name.strip().lower(): name for name in header}
    if "grain" not in by_key or "entity_id" not in by_key:
        return []
    found = []
    for row in rows:
        if row.get(by_key["grain"], "").strip() == grain and row.get(by_key["entity_id"], "").strip() == entity_id:
            found.append({column: row.get(by_key[column], "") if column in by_key else "" for column in COLUMNS})
    return found
