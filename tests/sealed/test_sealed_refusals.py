"""The trustee command refuses a box it should not decrypt: exit 1, a message that says why, and
nothing written. (The round page's are in test_sealed_service_refusals.)"""

import json

import pytest

from ballots.cli import main as ballots_main
from tests.sealed.sealed_run import SealedRun, sealed_run, trustee_environment


@pytest.fixture(scope="module")
def run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("sealed"), sqlite_template)


@pytest.fixture(scope="module")
def same_context_run(tmp_path_factory, sqlite_template) -> SealedRun:
    """A round of the same season and round codes, with a key ceremony of its own."""
    return sealed_run(tmp_path_factory.mktemp("again"), sqlite_template)


@pytest.fixture(scope="module")
def other_round_run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("other"), sqlite_template, season_code="2025")


def decrypt(box: dict, key, tmp_path, capsys) -> tuple[int, str]:
    (tmp_path / "box.json").write_text(json.dumps(box))
    out = tmp_path / "partial.json"
    with trustee_environment():
        argv = ["--box", str(tmp_path / "box.json"), "--key", str(key), "--out", str(out)]
        code = ballots_main(["trustee", "decrypt", *argv])
    assert not out.exists()
    return code, capsys.readouterr().err


def test_a_box_whose_board_is_not_the_sealed_one(run, tmp_path, capsys):
    box = json.loads(run.box)
    box["board_sha256"] = "0" * 64
    code, err = decrypt(box, run.keys / "t1.key", tmp_path, capsys)
    assert (code, err) == (1, "refused: the board is not the one sealed at close\n")


def test_a_box_whose_participants_differ_from_the_board(run, tmp_path, capsys):
    box = json.loads(run.box)
    box["participants"]["approval"] = 4
    code, err = decrypt(box, run.keys / "t1.key", tmp_path, capsys)
    assert code == 1
    assert "are not the participants" in err


def test_a_box_under_another_ceremony_than_the_key_file(run, same_context_run, tmp_path, capsys):
    code, err = decrypt(json.loads(same_context_run.box), run.keys / "t1.key", tmp_path, capsys)
    assert (code, err) == (
        1,
        "refused: this box is not under the key you confirmed: do not decrypt it\n",
    )


def test_a_wrong_passphrase(run, tmp_path, capsys, monkeypatch):
    (tmp_path / "box.json").write_bytes(run.box)
    out = tmp_path / "partial.json"
    monkeypatch.setenv("AWARDS_TRUSTEE_PASSPHRASE", "not the passphrase")
    monkeypatch.setenv("AWARDS_TRUSTEE_KEY_COST", "interactive")
    argv = ["--box", str(tmp_path / "box.json"), "--key", str(run.keys / "t1.key")]
    assert ballots_main(["trustee", "decrypt", *argv, "--out", str(out)]) == 1
    assert capsys.readouterr().err == "refused: wrong passphrase or damaged file\n"
    assert not out.exists()


def test_a_key_file_of_another_round(run, other_round_run, tmp_path, capsys):
    box = json.loads(run.box)
    code, err = decrypt(box, other_round_run.keys / "t1.key", tmp_path, capsys)
    assert (code, err) == (1, "refused: this key file is for another round\n")


MALFORMED = {
    "no ceremony": lambda box: box.pop("ceremony"),
    "no context": lambda box: box.pop("context"),
    "a ceremony that is a list": lambda box: box.update(ceremony=[]),
    "commitments that are a number": lambda box: box.update(ceremony={"commitments": 5}),
    "no board": lambda box: box.update(board=None),
    "a board that is a list": lambda box: box.update(board=[]),
    "a board hash that is a number": lambda box: box.update(board_sha256=5),
    "mixes that are a number": lambda box: box.update(mixes=5),
    "a mix that is a number": lambda box: box.update(mixes=[5]),
    "no participants": lambda box: box.update(participants=None),
    "no configuration": lambda box: box.update(config=None),
    "categories that are a number": lambda box: box.update(config={"categories": 5}),
    "an entry that is a number": lambda box: box["board"]["categories"][0].update(entries=[5]),
    "isolated that is a number": lambda box: box["board"]["categories"][0].update(isolated=5),
    "a mix's ballots a number": lambda box: box["mixes"][0]["categories"][0].update(ballots=5),
}


@pytest.mark.parametrize("change", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_box_file_is_refused_not_a_traceback(run, tmp_path, capsys, change):
    box = json.loads(run.box)
    change(box)
    code, err = decrypt(box, run.keys / "t1.key", tmp_path, capsys)
    assert code == 1
    assert err.startswith("refused: ")
