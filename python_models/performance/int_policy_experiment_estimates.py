"""Difference-in-differences estimate, confidence interval, p-value, power note and decision of every policy
experiment (doc block experiment_analysis), computed by supplyseg.experiments.evaluate_experiments from the panel
built in SQL (int_policy_experiment_panel) and the designs (int_policy_experiment_designs), whose columns each row
keeps so that the mart fct_policy_experiment_results reads this model alone."""

from supplyseg.experiments import PANEL_COLUMNS, evaluate_design_frame


def model(dbt, session):
    dbt.config(materialized="table")
    panel = dbt.ref("int_policy_experiment_panel").project(", ".join(PANEL_COLUMNS)).df()
    designs = dbt.ref("int_policy_experiment_designs").df()
    return evaluate_design_frame(panel, designs)
