"""Analysis: what a run's records say, as data and documents (benchmarks.core.document): the as-shipped and
best views, ratios and comparisons of runs, the claims' verdicts, the size sweep's fits, the scoreboard,
where a run's time went, the porting tables. Reads records; launches nothing."""
