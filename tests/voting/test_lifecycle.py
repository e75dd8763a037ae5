"""The round's lifecycle: one table of transitions, and nothing else sets a round's state."""

import ast

import pytest

from awards.models import Round
from awards.voting import lifecycle
from awards.voting.lifecycle import State
from tests import ROOT

AWARDS = ROOT / "awards"

# What a round may do from each state, written out by hand from the README's account of rounds.
ALLOWED = {
    State.DRAFT: {"schedule", "open"},
    State.SCHEDULED: {"schedule", "unschedule", "lapse", "open"},
    State.LAPSED: {"schedule", "unschedule", "open"},
    State.OPEN: {"close", "seal_box"},
    State.COUNTING: {"count"},
    State.CLOSED: set(),
}


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("transition", sorted(lifecycle.TRANSITIONS))
def test_each_transition_starts_only_where_allowed(state: State, transition: str) -> None:
    round_ = Round(state=state.value)
    if transition in ALLOWED[state]:
        lifecycle.move(round_, transition)
        assert round_.state == lifecycle.TRANSITIONS[transition].target
    else:
        with pytest.raises(lifecycle.IllegalTransition) as refused:
            lifecycle.move(round_, transition)
        assert round_.state == state  # nothing changed
        assert refused.value.status_code == 409


def test_closed_is_final_and_every_state_is_reachable_from_draft() -> None:
    reached, frontier = {State.DRAFT}, [State.DRAFT]
    while frontier:
        state = frontier.pop()
        for name, step in lifecycle.TRANSITIONS.items():
            if state in step.sources and step.target not in reached:
                assert name in ALLOWED[state]
                reached.add(step.target)
                frontier.append(step.target)
    assert reached == set(State)
    assert not any(State.CLOSED in step.sources for step in lifecycle.TRANSITIONS.values())


def test_only_the_lifecycle_assigns_a_round_state() -> None:
    """`x.state = ...` (or in a tuple assignment) anywhere else would bypass the table."""
    offenders = []
    for path in AWARDS.rglob("*.py"):
        if path.name == "lifecycle.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    parts = target.elts if isinstance(target, ast.Tuple) else [target]
                    offenders += [
                        f"{path.relative_to(AWARDS)}:{node.lineno}"
                        for part in parts
                        if isinstance(part, ast.Attribute) and part.attr == "state"
                    ]
    assert offenders == []
