"""Assessment and decisions: the risk engine, assessment versions, report/tell decisions, Part 3
restrictions, reports to the regulator and reminders.

`rules.py` is the engine: `recommend(facts) -> Recommendation`, a pure function of a `Facts`
value (no database, no clock), importable as `incidents.assessment.recommend` as it always was.
`models.py`, `services.py`, `forms.py`, `views.py` and `reminders.py` are the rest of the part.
"""

from .rules import *  # noqa: F401,F403 - the engine's public names, at their old address
