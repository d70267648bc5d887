"""The roster: one small adapter per fighter and the process settings each needs."""
