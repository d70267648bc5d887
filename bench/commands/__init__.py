"""The command line's subcommands, one module each.

Run, report, compare, baseline, list, continuous, doctor.
"""
