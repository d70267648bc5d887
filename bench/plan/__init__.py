"""What a run will do.

Suites and their cases, claims, preflight checks, configuration fingerprints.
"""
