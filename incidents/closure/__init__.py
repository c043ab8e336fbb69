"""Closing an incident (issue 20): the closure review for the board, and what must be settled first."""
