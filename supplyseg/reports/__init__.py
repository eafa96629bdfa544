"""Reports: pattern_accuracy reads a finished build (a DuckDB file); monitoring writes the HTML report of a published version."""
