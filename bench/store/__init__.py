"""Results on disk: typed records, the run folder and its schema, the summary, history, baseline."""
