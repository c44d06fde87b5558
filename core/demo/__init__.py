"""The demo data set (synthetic 2024 figures for a province and its region) and the first
start that loads it."""
