"""QA analytics over the results store: aggregates computed in SQL (analytics.query), significance tests
(analytics.stats), targets and action items, review sampling, coaching, the weekly report and its CLI."""
