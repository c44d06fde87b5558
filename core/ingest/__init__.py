"""The import: from an office file's bytes to a plan a person can see and correct (plan, a dry
run), then to stored figures (apply), one module per step; checks holds the figure validation
rules, each problem carrying its rule's code."""
