"""Deciding who won.

Statistics, speed, parity, rounds, verdicts, claims judged, scaling, change points.
"""
