"""The regulator's case on an incident (issue 20)."""
