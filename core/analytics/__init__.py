"""Analytics: the metrics (rates, rankings, quotas, trends), reporting timeliness, data
quality, summaries, the funnel and the one colour rule (status)."""
