"""Stand-ins for dbt's cross-database macros so sqlfluff's jinja templater can
render models that call ``dbt.date_trunc(...)`` etc. Lint only; dbt itself
uses the real macros."""


def date_trunc(datepart, date):
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"({from_date_or_timestamp} + interval ({interval}) {datepart})"


def datediff(first_date, second_date, datepart):
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def safe_cast(field, type):  # noqa: A002 - dbt's own argument name
    return f"try_cast({field} as {type})"


def type_string():
    return "varchar"


def type_int():
    return "integer"


def type_bigint():
    return "bigint"


def type_float():
    return "double"


def type_numeric():
    return "numeric(28, 6)"


def type_boolean():
    return "boolean"


def type_timestamp():
    return "timestamp"


def current_timestamp():
    return "current_timestamp"


def hash(field):  # noqa: A001 - dbt's own macro name
    return f"md5(cast({field} as varchar))"


def position(substring_text, string_text):
    return f"position({substring_text} in {string_text})"


def concat(fields):
    return f"concat({', '.join(fields)})"
