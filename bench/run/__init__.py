"""Running fights.

The runner and its ledger, fighter worker processes, Dask, progress, the environment; the worker
side (train, fair start, metrics, memory).
"""
