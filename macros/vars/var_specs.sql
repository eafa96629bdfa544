{#
    The spec of every var of dbt_project.yml, in one place: what each var may hold.
    validate_vars() (on-run-start) checks every var against it before anything runs;
    validated_var(), sql_text_var() and sql_number_var() read a var through it.

    Keys of a spec:
      type      integer | number | text | date | boolean | list
      allowed   the accepted values (text), or the accepted items (list)
      pattern   a regular expression the whole text must match (text)
      min, max  inclusive bounds (integer, number)
      above     exclusive lower bound (number)
      nullable  true when null is accepted (null switches the feature off or uses a default)
      words     special words accepted besides the type, e.g. auto for reference_date (date)
    A var of dbt_project.yml without a spec here fails tests_py/test_var_validation.py;
    docs/configuration.md shows each spec next to its var.
#}
{% macro var_specs() %}
{%- set specs_yaml -%}
# --- var specs (YAML; read by supplyseg.config_reference too) ---
raw_path: {type: text, pattern: '.+'}
contract_type_error_share: {type: number, min: 0, max: 1}
contract_max_abs_value: {type: number, above: 0, max: 1.0e+300}
comparison_decimal_places: {type: integer, min: 0, max: 12}
run_id: {type: text, pattern: '[A-Za-z0-9_.:+@/=-]{1,200}', nullable: true}
reference_date: {type: date, words: [auto]}
analysis_window_months: {type: integer, min: 1, max: 240}
data_capability_min_coverage_share: {type: number, min: 0, max: 1}
reporting_currency: {type: text, pattern: '[A-Z]{3}'}
fiscal_week_start_isodow: {type: integer, min: 1, max: 7}
fiscal_year_label: {type: text, allowed: [end, start]}
reporting_calendar_pattern: {type: text, allowed: [gregorian, '445', '454', '544']}
reporting_calendar_start_month: {type: integer, min: 1, max: 12}
demand_period: {type: text, allowed: [month, week]}
min_days_in_demand_period: {type: integer, min: 1, max: 31}
customer_grain: {type: text, allowed: [global_account, business_unit_customer]}
returns_handling: {type: text, allowed: [separate, net]}
outlier_method: {type: text, allowed: [log_mad, mad, iqr]}
outlier_multiplier: {type: number, above: 0, max: 100}
outlier_min_ratio_to_median: {type: number, min: 1, max: 1000000}
outlier_min_lines: {type: integer, min: 2, max: 100000}
outlier_exclude_from_variability: {type: boolean}
outlier_exclude_from_value: {type: boolean}
segmentation_grains: {type: list, allowed: [customer, product, channel, customer_product, account_plant]}
abc_boundary_convention: {type: text, allowed: [crossing_item_lower, crossing_item_upper]}
adi_window: {type: text, allowed: [between_demands, from_first_demand, whole_window]}
phased_out_after_periods: {type: integer, min: 1, max: 520}
normalise_demand_by_period_length: {type: boolean}
cv_deviation: {type: text, allowed: [population, sample]}
min_history_periods: {type: integer, min: 1, max: 520}
new_entity_provisional_xyz_class: {type: text, pattern: '[A-Z][A-Za-z0-9_]{0,19}'}
short_lead_time_days: {type: integer, min: 0, max: 365}
geography_import_complexity_weight: {type: number, min: 0, max: 1}
decay_half_life_periods: {type: number, above: 0, max: 1000, nullable: true}
segment_mode: {type: text, allowed: [dynamic, static]}
review_frequency_months: {type: integer, min: 1, max: 120}
static_review_value_change_threshold: {type: number, min: 0, max: 1000}
cluster_grains: {type: list, allowed: [customer, product, customer_product]}
cluster_method_customer: {type: text, allowed: [kmeans, agglomerative, dbscan, hdbscan]}
cluster_method_product: {type: text, allowed: [kmeans, agglomerative, dbscan, hdbscan]}
cluster_method_customer_product: {type: text, allowed: [kmeans, agglomerative, dbscan, hdbscan]}
cluster_scaling: {type: text, allowed: [robust, standard]}
cluster_transform: {type: text, allowed: [none, log1p, yeo_johnson]}
cluster_dormant_max_order_lines: {type: integer, min: 0, max: 1000000}
cluster_k_min: {type: integer, min: 2, max: 100}
cluster_k_max: {type: integer, min: 2, max: 100}
cluster_k_selection: {type: text, allowed: [silhouette, elbow, fixed]}
cluster_fixed_k: {type: integer, min: 1, max: 100}
cluster_silhouette_sample_size: {type: integer, min: 100, max: 10000000}
cluster_minibatch_above_rows: {type: integer, min: 1, max: 100000000}
cluster_min_size_share: {type: number, min: 0, max: 1}
cluster_min_size_count: {type: integer, min: 1, max: 10000000}
cluster_dbscan_eps: {type: number, above: 0, max: 1000}
cluster_dbscan_min_samples: {type: integer, min: 1, max: 100000}
cluster_random_seed: {type: integer, min: 0, max: 2147483647}
cluster_stability_window_months: {type: integer, min: 1, max: 240}
cluster_stability_step_months: {type: integer, min: 1, max: 240}
cluster_psi_retrain_threshold: {type: number, above: 0, max: 100}
cluster_psi_bins: {type: integer, min: 2, max: 100}
cluster_psi_min_share: {type: number, above: 0, max: 1}
cluster_name_min_abs_z: {type: number, min: 0, max: 100}
cluster_name_max_words: {type: integer, min: 1, max: 10}
kpi_calendar_id: {type: text, pattern: '[A-Za-z0-9_.:-]{1,64}'}
kpi_root_cause_consecutive_periods: {type: integer, min: 1, max: 120}
kpi_root_cause_top_entities: {type: integer, min: 1, max: 10000}
segment_churn_top_movers: {type: integer, min: 1, max: 10000}
stockout_demand_rule: {type: text, allowed: [exclude, correct, ignore]}
min_lead_time_observations: {type: integer, min: 1, max: 1000000}
default_lead_time_days: {type: integer, min: 0, max: 3650}
poisson_dispersion_tolerance: {type: number, min: 0, max: 1}
intermittent_safety_stock_method: {type: text, allowed: [auto, empirical_quantile]}
empirical_quantile_min_windows: {type: integer, min: 1, max: 10000}
new_item_provisional_cv: {type: number, min: 0, max: 100}
policy_order_cost_rep_ccy: {type: number, min: 0, max: 1000000000}
policy_annual_holding_cost_rate: {type: number, above: 0, max: 10}
open_order_horizon_days: {type: integer, min: 1, max: 3650}
policy_sanity_severity: {type: text, allowed: [warn, error]}
policy_sanity_max_lot_size_periods: {type: number, above: 0, max: 1000}
policy_sanity_max_safety_stock_periods: {type: number, above: 0, max: 1000}
planning_bucket_days: {type: integer, min: 1, max: 366}
governance_path: {type: text, pattern: '[^\x27]+', nullable: true}
dispute_sla_days: {type: integer, min: 1, max: 3650}
dispute_override_validity_days: {type: integer, min: 1, max: 3650}
governance_config_version: {type: text, pattern: '[A-Za-z0-9][A-Za-z0-9_.+-]{0,49}'}
impact_published_path: {type: text, pattern: '[A-Za-z0-9_./ :~-]+', nullable: true}
impact_published_database: {type: text, pattern: '[A-Za-z_][A-Za-z0-9_]{0,62}', nullable: true}
impact_published_schema: {type: text, pattern: '[A-Za-z_][A-Za-z0-9_]{0,62}'}
segment_change_notice_days: {type: integer, min: 0, max: 365}
resegmentation_cron: {type: text, pattern: '[0-9*,/-]+( [0-9*,/-]+){4}'}
policy_max_lot_coverage_periods: {type: number, above: 0, max: 1000}
policy_simulation_periods: {type: integer, min: 1, max: 520}
disruption_comparison_days: {type: integer, min: 0, max: 3650}
# --- end of var specs ---
{%- endset -%}
    {{ return(fromyaml(specs_yaml)) }}
{% endmacro %}
