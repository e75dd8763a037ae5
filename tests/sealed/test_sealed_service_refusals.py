"""The round page refuses what a careless operator or a cheating trustee sends a sealed round:
a stale decryption, a mix that does not check, opening before the key is made or after its
round's code changed, another round's documents, counting too early; and no input, however
malformed, gives a server error."""

import json
import re
from pathlib import Path

import pytest

from awards.models import Round
from ballots.cli import main as ballots_main
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, run_db
from tests.sealed.sealed_run import METHODS
from tests.sealed.test_sealed_round import ceremony, download, passphrase, trustee, upload, vote

__all__ = ["passphrase"]  # the fixture, used by name


def send(staff: Browser, round_id: int, text: str):
    return staff.post(f"/staff/rounds/{round_id}/trustees/documents", {"text": text})


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


def sealed_draft(staff: Browser, settings, keys: Path, **kw) -> int:
    """A draft round of three trustees (any two decrypt), its key ceremony done."""
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False, **kw)
    names = {"names": "张三\n李四\n王五", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{election.round_id}/trustees", names).status_code == 303
    keys.mkdir()
    ceremony(staff, election.round_id, "final", keys)
    return election


def counting_round(staff, staff_user, client, settings, tmp_path) -> tuple[int, Path]:
    """A sealed round voted and closed, awaiting its trustees: its id and its box file."""
    election = sealed_draft(staff, settings, tmp_path / "keys")
    round_id = election.round_id
    assert staff.post(f"/staff/rounds/{round_id}/open", {"confirm": "yes"}).status_code == 303
    vote(client, election, round_id)
    staff.login(staff_user, STAFF_PASSWORD)
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", tmp_path / "box.json")
    return round_id, box


def decrypt(tmp_path: Path, box: Path, n: int) -> Path:
    out = tmp_path / f"partial-{n}-{box.stem}.json"
    trustee(
        "decrypt",
        "--box",
        str(box),
        "--key",
        str(tmp_path / "keys" / f"t{n}.key"),
        "--out",
        str(out),
    )
    return out


def test_opening_before_the_ceremony_completes(staff, settings, passphrase):
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    names = {"names": "张三\n李四", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{election.round_id}/trustees", names).status_code == 303
    response = staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"})
    assert response.status_code == 409
    assert "受托人的密钥仪式尚未完成：本轮次还没有密钥。" in page_text(response)
    state = run_db(settings, lambda s: s.get(Round, election.round_id), write=False).state
    assert state == "draft"


def test_opening_after_the_round_code_changed(staff, settings, tmp_path, passphrase):
    election = sealed_draft(staff, settings, tmp_path / "keys")

    async def recode(session):
        (await session.get(Round, election.round_id)).code = "final-2"

    run_db(settings, recode)
    response = staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"})
    assert response.status_code == 409
    assert "受托人的密钥是为另一个年度或轮次代码生成的：请重新进行密钥仪式。" in page_text(response)
    state = run_db(settings, lambda s: s.get(Round, election.round_id), write=False).state
    assert state == "draft"


def test_a_ceremony_document_of_another_round(staff, settings, tmp_path, passphrase):
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    names = {"names": "张三\n李四", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{election.round_id}/trustees", names).status_code == 303
    bundle = download(
        staff, f"/staff/rounds/{election.round_id}/trustees/ceremony.json", tmp_path / "c.json"
    )
    document = json.loads(bundle.read_text())
    document["context"] = {"season": "2023", "round": "final"}
    bundle.write_text(json.dumps(document))
    out = tmp_path / "begin.json"
    trustee(
        "begin",
        "--ceremony",
        str(bundle),
        "--trustee",
        "1",
        "--key",
        str(tmp_path / "k"),
        "--out",
        str(out),
    )
    response = send(staff, election.round_id, out.read_text())
    assert response.status_code == 422


def test_counting_with_fewer_decryptions_than_the_threshold(
    staff, staff_user, client, settings, tmp_path, passphrase
):
    round_id, box = counting_round(staff, staff_user, client, settings, tmp_path)
    assert send(staff, round_id, decrypt(tmp_path, box, 1).read_text()).status_code == 303
    assert staff.get(f"/staff/rounds/{round_id}/count").status_code == 409
    response = staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"})
    assert response.status_code == 409
    assert run_db(settings, lambda s: s.get(Round, round_id), write=False).state == "counting"


def test_a_decryption_of_the_box_before_a_trustees_mix(
    staff, staff_user, client, settings, tmp_path, passphrase
):
    round_id, box = counting_round(staff, staff_user, client, settings, tmp_path)
    stale = decrypt(tmp_path, box, 1)
    trustee("mix", "--box", str(box), "--trustee", "2", "--out", str(tmp_path / "mix-2.json"))
    upload(staff, round_id, tmp_path / "mix-2.json")
    response = send(staff, round_id, stale.read_text())
    assert response.status_code == 422
    assert "该解密文件核验未通过：mix_sha256: not the hash of this box" in page_text(response)


def test_a_mix_that_does_not_check(staff, staff_user, client, settings, tmp_path, passphrase):
    round_id, box = counting_round(staff, staff_user, client, settings, tmp_path)
    trustee("mix", "--box", str(box), "--trustee", "2", "--out", str(tmp_path / "mix-2.json"))
    mix = json.loads((tmp_path / "mix-2.json").read_text())
    ballots = mix["categories"][0]["ballots"]
    ballots[0], ballots[1] = ballots[1], ballots[0]
    response = send(staff, round_id, json.dumps(mix))
    assert response.status_code == 422
    assert "mix 2, category approval: the proof of the shuffle does not hold" in page_text(response)


def junk(context: dict, partial: dict, mix: dict) -> list[str]:
    """Documents no trustee command writes: not JSON, too deep, fields of the wrong type, numbers
    beyond any scalar, lists where a name is expected."""
    huge = 10**400
    found = ["{", "[]", "null", "1e400", "[" * 100_000 + "]" * 100_000, '{"format": ["x"]}']
    found.append(json.dumps({"format": {"a": 1}, "context": context}))
    for field, value in (
        ("trustee", huge),
        ("trustee", "1"),
        ("trustee", 1.0),
        ("trustee", True),
        ("trustee", None),
        ("categories", "x"),
        ("categories", {"approval": [[huge]]}),
        ("categories", [huge]),
        ("seed", ["zz", {"challenge": huge}]),
        ("mix_sha256", huge),
        ("context", [context]),
    ):
        found.append(json.dumps({**partial, field: value}))
    for field, value in (
        ("categories", 5),
        ("categories", [5]),
        ("categories", [{"id": "approval"}]),
        ("categories", [{"id": ["approval"]}]),
        ("categories", [{"id": "approval", "ballots": "x", "proof": 1}]),
        ("categories", [{"id": "approval", "ballots": [[[huge, huge]]], "proof": {}}]),
        ("mix", "2"),
        ("mix", huge),
        ("input_sha256", ["x"]),
    ):
        found.append(json.dumps({**mix, field: value}))
    return found


def test_no_malformed_document_gives_a_server_error_after_the_close(
    staff, staff_user, client, settings, tmp_path, passphrase
):
    round_id, box = counting_round(staff, staff_user, client, settings, tmp_path)
    partial = json.loads(decrypt(tmp_path, box, 1).read_text())
    trustee("mix", "--box", str(box), "--trustee", "2", "--out", str(tmp_path / "mix-2.json"))
    mix = json.loads((tmp_path / "mix-2.json").read_text())
    answers = {
        text[:80]: send(staff, round_id, text).status_code
        for text in junk(partial["context"], partial, mix)
    }
    assert {text: code for text, code in answers.items() if not 400 <= code < 500} == {}


def test_no_malformed_document_gives_a_server_error_in_the_ceremony(
    staff, settings, tmp_path, passphrase
):
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    names = {"names": "张三\n李四", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{election.round_id}/trustees", names).status_code == 303
    bundle = download(
        staff, f"/staff/rounds/{election.round_id}/trustees/ceremony.json", tmp_path / "c.json"
    )
    out = tmp_path / "begin.json"
    trustee(
        "begin",
        "--ceremony",
        str(bundle),
        "--trustee",
        "1",
        "--key",
        str(tmp_path / "k"),
        "--out",
        str(out),
    )
    commitment = json.loads(out.read_text())
    # A commitment's own fields are checked with the whole ceremony (`check_ceremony`); as it
    # comes in, its format, round and trustee.
    documents = junk(commitment["context"], {}, {})[:7]
    for field, values in (
        ("trustee", (10**400, "1", 1.0, True, None, 4, -1)),
        ("context", ([commitment["context"]], "x", {"season": commitment["context"]["season"]})),
        ("format", ("awards-trustee-shares/1", "awards-sealed-mix/1")),
    ):
        documents += [json.dumps({**commitment, field: value}) for value in values]
    answers = {text[:80]: send(staff, election.round_id, text).status_code for text in documents}
    assert {text: code for text, code in answers.items() if not 400 <= code < 500} == {}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("coefficients", 5),
        ("coefficients", ["zz"]),
        ("box_key", 5),
        ("threshold", "2"),
        ("proof", []),
    ],
)
def test_a_malformed_commitment_relayed_to_the_other_trustees(
    staff, settings, tmp_path, passphrase, capsys, field, value
):
    """The server takes a commitment on its format, round and trustee; the other trustees'
    command is what refuses its content, naming it, before it deals a share to it."""
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    round_id = election.round_id
    names = {"names": "张三\n李四", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{round_id}/trustees", names).status_code == 303
    for n in (1, 2):
        bundle = download(
            staff, f"/staff/rounds/{round_id}/trustees/ceremony.json", tmp_path / "c.json"
        )
        out = tmp_path / f"begin-{n}.json"
        trustee(
            "begin",
            "--ceremony",
            str(bundle),
            "--trustee",
            str(n),
            "--key",
            str(tmp_path / f"t{n}.key"),
            "--out",
            str(out),
        )
        if n == 2:
            out.write_text(json.dumps({**json.loads(out.read_text()), field: value}))
        assert send(staff, round_id, out.read_text()).status_code == 303
    bundle = download(
        staff, f"/staff/rounds/{round_id}/trustees/ceremony.json", tmp_path / "c.json"
    )
    capsys.readouterr()
    argv = [
        "--ceremony",
        str(bundle),
        "--key",
        str(tmp_path / "t1.key"),
        "--out",
        str(tmp_path / "d.json"),
    ]
    assert ballots_main(["trustee", "deal", *argv]) == 1
    assert capsys.readouterr().err.startswith("refused: ")
    assert not (tmp_path / "d.json").exists()


def test_the_same_mix_sent_twice(staff, staff_user, client, settings, tmp_path, passphrase):
    round_id, box = counting_round(staff, staff_user, client, settings, tmp_path)
    trustee("mix", "--box", str(box), "--trustee", "2", "--out", str(tmp_path / "mix-2.json"))
    upload(staff, round_id, tmp_path / "mix-2.json")
    response = send(staff, round_id, (tmp_path / "mix-2.json").read_text())
    assert response.status_code == 422
    assert "mix 3: it says it is mix 2" in page_text(response)


@pytest.mark.parametrize(
    "form",
    [
        {"names": "张三\n李四", "threshold": "9" * 5000},
        {"names": "张三\n李四", "threshold": "1e400"},
        {"names": "张三\n李四", "threshold": "-1"},
        {"names": "张三\n李四", "threshold": ""},
        {"names": "张三\n李四"},
        {"names": "张三\n张三", "threshold": "1"},
        {"names": "\n".join(f"t{n}" for n in range(10)), "threshold": "2"},
        {"names": "x" * 201, "threshold": "1"},
        {"names": "", "threshold": "1"},
    ],
)
def test_naming_trustees_badly_is_refused(staff, settings, form):
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    response = staff.post(f"/staff/rounds/{election.round_id}/trustees", form)
    assert response.status_code == 422
    assert (
        run_db(settings, lambda s: s.get(Round, election.round_id), write=False).trustee_threshold
        is None
    )


@pytest.mark.parametrize("content", [b"\xff\xfe{", b" " * (8 * 1024 * 1024 + 1)])
def test_an_uploaded_file_that_is_no_document(staff, settings, content):
    election = build_election(settings, jurors=3, methods=METHODS, open_round=False)
    names = {"names": "张三\n李四", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{election.round_id}/trustees", names).status_code == 303
    response = staff.upload(
        f"/staff/rounds/{election.round_id}/trustees/documents", "x.json", content
    )
    assert 400 <= response.status_code < 500
