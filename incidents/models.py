"""The `incidents` app's models, one module per part of the domain (issue 14).

Django looks for an app's models here: importing them registers each as a model of the
`incidents` app, so every table keeps its name. Other code may import them from here or from
their own package.
"""

from .register.models import (  # noqa: F401
    ClockCorrection,
    DataCategory,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentQuerySet,
    Organisation,
)
from .people.models import (  # noqa: F401  (after the register: a person belongs to an incident)
    REPRESENTATIVE_CHOICES,
    UK_POSTCODE_RE,
    DataSubject,
    DataSubjectQuerySet,
    PeopleTally,
    PersonMixin,
    normalise_postcode,
    validate_uk_postcode,
)
from .imports.models import SubjectImport, SubjectImportIssue  # noqa: F401
from .assessment.models import (  # noqa: F401
    Assessment,
    Decision,
    RegulatorSubmission,
    ReminderSent,
    Restriction,
)
from .disclosure.models import Evidence  # noqa: F401
from .casework.models import Contact, IncidentAction, PersonRequest  # noqa: F401
from .controllers.models import IncidentParty  # noqa: F401
from .closure.models import ClosureReview  # noqa: F401
from .regulator.models import (  # noqa: F401
    IncidentLink,
    RegulatorCase,
    RegulatorCorrespondence,
    RegulatorRequest,
    RegulatorRequestQuerySet,
)
