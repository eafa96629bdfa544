"""Difference-in-differences estimate, confidence interval, p-value, power note and decision of every policy
experiment (doc block experiment_analysis), computed by supplyseg.experiments.evaluate_experiments from the panel
built in SQL (int_policy_experiment_panel) and the designs (int_policy_experiment_designs). Published through the
mart fct_policy_experiment_results."""

from supplyseg.experiments import DESIGN_COLUMNS, PANEL_COLUMNS, designs_from_frame, evaluate_experiments


def model(dbt, session):
    dbt.config(materialized="table")
    panel = dbt.ref("int_policy_experiment_panel").project(", ".join(PANEL_COLUMNS)).df()
    designs = dbt.ref("int_policy_experiment_designs").project(", ".join(DESIGN_COLUMNS)).df()
    return evaluate_experiments(panel, designs_from_frame(designs))
