"""Analytics: the metrics (rates, rankings, lagging communes, trends), quotas (attainment,
pace, outlook), reporting timeliness, data quality, summaries, the identity funnel and the one
colour rule (status). Reads storage, never writes figures."""
