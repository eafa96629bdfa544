"""Test oracles: independent reference implementations of the project's rules.

Everything here is written from the rules in ``docs/*.md`` and derives its inputs from the raw files,
the seeds (``seeds/**/*.csv``), the vars (``dbt_project.yml``) and the input contract (the sources
files), never from a model's output, so the end-to-end tests can compare the dbt build with a second
implementation. Nothing in the product package (``supplyseg/``) imports from here.

- ``fiscal_calendar``: the fiscal calendar rule (docs/fiscal_calendar.md, docs/demo_data.md).
- ``settings``: the vars and seeds the oracles need, read from their files.
- ``raw_inputs``: the raw files read as the input contract reads them.
- ``order_lines``: usable order lines (validation, FX, hierarchy, returns, outliers).
- ``outliers``: the robust outlier limits (doc block outlier_rule).
- ``periods``: the analysis periods of the reporting calendar.
"""
