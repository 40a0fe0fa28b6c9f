"""The health engine: statuses, results, contributors, groups and evaluation."""
