"""Dagster orchestration of the dbt project (docs/orchestration.md).

``supplyseg.orchestration.definitions`` is the code location: the dbt project as assets, the publish
step as an asset downstream of them, the regular re-segmentation schedule (cron from var
``resegmentation_cron``) and the daily early-review sensor. Start it with
``dagster dev -m supplyseg.orchestration.definitions`` (``make dagster``). Nothing else in the project
imports Dagster: ``make``, ``dbt`` and the ``supplyseg`` CLI run without it.
"""
