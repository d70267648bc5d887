"""Gates that fail CI.

Compare against the baseline (regress), the speed gate (continuous) and its revisions.
"""
