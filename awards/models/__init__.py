"""The relational model. Importing this package registers every table on `Base.metadata`."""

from awards.models.audit import AuditEvent, AuditHead
from awards.models.ballots import Ballot, Participation
from awards.models.base import Base
from awards.models.catalogue import Category, Drama, Nominee, Season
from awards.models.jury import (
    ActivationCode,
    Affiliation,
    Juror,
    Panel,
    RecusalDecision,
    category_panel,
    juror_panel,
)
from awards.models.rounds import (
    Round,
    RoundCategory,
    RoundConfig,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
)
from awards.models.staff import (
    AttemptCounter,
    PendingLogin,
    StaffActivationCode,
    StaffRecoveryCode,
    StaffUser,
    WebSession,
)
from awards.models.trustees import RoundBoard, RoundMix, Trustee

__all__ = [
    "ActivationCode",
    "Affiliation",
    "AttemptCounter",
    "AuditEvent",
    "AuditHead",
    "Ballot",
    "Base",
    "Category",
    "Drama",
    "Juror",
    "Nominee",
    "Panel",
    "Participation",
    "PendingLogin",
    "RecusalDecision",
    "Round",
    "RoundBoard",
    "RoundCategory",
    "RoundConfig",
    "RoundEligibility",
    "RoundMix",
    "RoundNominee",
    "RoundRecusal",
    "Season",
    "StaffActivationCode",
    "StaffRecoveryCode",
    "StaffUser",
    "Trustee",
    "WebSession",
    "category_panel",
    "juror_panel",
]
