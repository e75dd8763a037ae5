"""The round's lifecycle as one state machine: every state a round can be in, every transition
and the states it may start from. Nothing else assigns `Round.state`.

    transition   from                        to
    schedule     draft, scheduled, lapsed    scheduled
    unschedule   scheduled, lapsed           draft
    lapse        scheduled                   lapsed    the schedule could not open it
    open         draft, scheduled, lapsed    open      by hand, or by the schedule at its time
    close        open                        closed    final
    seal_box     open                        counting  a sealed round: voting over, the box
                                                       sealed, its trustees to decrypt it
    count        counting                    closed    the trustees' decryption counted

A transition that may not start from the round's state changes nothing and says why (409).
"""

from dataclasses import dataclass
from enum import StrEnum

from awards.errors import Conflict
from awards.i18n import N_, Message
from awards.models import Round


class State(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LAPSED = "lapsed"
    OPEN = "open"
    COUNTING = "counting"
    CLOSED = "closed"


LABELS = {
    State.DRAFT: N_("Draft"),
    State.SCHEDULED: N_("Scheduled"),
    State.LAPSED: N_("Lapsed"),
    State.OPEN: N_("Open"),
    State.COUNTING: N_("Counting"),
    State.CLOSED: N_("Closed"),
}

# Before opening: what opening freezes (categories, nominees, jury) may still change.
PREPARING = (State.DRAFT, State.SCHEDULED, State.LAPSED)
# States in which a round is anyone's business beyond staff (jurors, the public pages).
PUBLIC = (State.SCHEDULED, State.OPEN, State.COUNTING, State.CLOSED)


class IllegalTransition(Conflict):
    pass


@dataclass(frozen=True)
class Transition:
    sources: tuple[State, ...]
    target: State
    refusal: str
    """The msgid of the refusal; `%(state)s` is the round's state, translated."""


TRANSITIONS = {
    "schedule": Transition(
        PREPARING, State.SCHEDULED, N_("The round is %(state)s: it cannot be scheduled.")
    ),
    "unschedule": Transition(
        (State.SCHEDULED, State.LAPSED),
        State.DRAFT,
        N_("Only a scheduled round can go back to draft."),
    ),
    "lapse": Transition(
        (State.SCHEDULED,),
        State.LAPSED,
        N_("The round is %(state)s: only a scheduled round can lapse."),
    ),
    "open": Transition(PREPARING, State.OPEN, N_("The round is %(state)s: it cannot be opened.")),
    "close": Transition(
        (State.OPEN,),
        State.CLOSED,
        N_("The round is %(state)s: only an open round can be closed."),
    ),
    "seal_box": Transition(
        (State.OPEN,),
        State.COUNTING,
        N_("The round is %(state)s: only an open round can be closed."),
    ),
    "count": Transition(
        (State.COUNTING,),
        State.CLOSED,
        N_("The round is %(state)s: only a round awaiting its trustees can be counted."),
    ),
}


def require(round_: Round, states: tuple[State, ...], refusal: str) -> None:
    """Refuse (409, nothing changed) unless the round is in one of `states`."""
    if round_.state not in states:
        raise IllegalTransition(refusal, state=Message(LABELS[State(round_.state)]))


def check(round_: Round, transition: str) -> None:
    step = TRANSITIONS[transition]
    require(round_, step.sources, step.refusal)


def move(round_: Round, transition: str) -> None:
    """Take the round through `transition`, or refuse saying why."""
    check(round_, transition)
    round_.state = TRANSITIONS[transition].target
