"""The arena: suites, fighters, runs, results, verdicts, reports and gates, grouped by stage."""
