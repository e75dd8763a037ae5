"""Pads made ahead of time for a sealed round's casts: each is used once, a cast made from them
decrypts and proves as one made on the spot, and the pool never makes more than the round can
use."""

import threading

from awards.trustees.box import PADS, PadPool, box
from ballots.sealed.board import check_entry, seal
from ballots.sealed.encoding import decode, layout
from ballots.sealed.group import base, random_scalar

X = random_scalar()
KEY = base(X)
R = {"season": "2026", "round": "final"}
NOMINEES = [{"id": f"n{i}", "label": ""} for i in range(300)]


def test_no_pad_is_ever_given_twice_even_to_casts_at_once():
    pool = PadPool(KEY, 500)
    taken: list[int] = []

    def cast() -> None:
        taken.extend(pool.take().r for _ in range(200))

    threads = [threading.Thread(target=cast) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 800 == len(set(taken))  # beyond the 500 made ahead, made on the spot


def test_a_ballot_sealed_with_pads_decrypts_and_proves_as_any_other():
    pool = PadPool(KEY, 10)
    lay = layout({"method": "approval", "nominees": NOMINEES})
    entry = seal(KEY, lay, {"approve": ["n7"]}, R, "best", "ab" * 16, pads=pool.take)
    assert check_entry(R, "best", lay.width, entry)
    assert decode(lay, [c.b - X * c.a for c in entry.ballot]) == {"approve": ["n7"]}


def test_the_pool_holds_no_more_than_the_round_can_use():
    config = {
        "season": {"id": "2026"},
        "round": {"id": "final"},
        "categories": [
            {"id": "best", "method": "approval", "nominees": NOMINEES, "eligible_jurors": 3}
        ],
    }
    sealed = box(config, KEY.hex(), set())
    assert sealed.pads.capacity == 3 * sealed.layouts["best"].width < PADS
    sealed.pads.start()
    assert sealed.pads.wait_full(30)
    assert sealed.pads.ready() == 6  # the filler thread stops at the round's need
