"""Measurements behind design choices.

Keras configurations, the NumPy floor, the speed gate's false-alarm rate.
"""
