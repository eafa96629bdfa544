"""Reports that read a finished build (a DuckDB file) and print what they measure."""
