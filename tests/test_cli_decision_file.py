"""The thresholds file `sklabels tune` writes is the decision serialized
(``Decision.to_dict``) with the command line's fields beside it; files written before
(no ``version``) read as they always did."""

import json

import numpy as np
import pytest
from _cli_runner import cli

from sklabels import decode
from sklabels._decision import Decision

pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")
COMMAND_FIELDS = {"pos_label", "from_logits", "scoring", "average", "best_score"}
COMMAND_FIELDS |= {"class_scores"}


@pytest.fixture
def files(tmp_path):
    """Multiclass softmax scores (.npy) and labels (.csv) of three named classes."""
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3), 300)
    truth = np.array(["cat", "dog", "eel"])[np.argmax(p + rng.random(p.shape), axis=1)]
    np.save(tmp_path / "s.npy", p)
    (tmp_path / "y.csv").write_text("label\n" + "\n".join(truth) + "\n")
    return tmp_path


def tuned(files):
    code, _, err = cli(
        "tune",
        files / "s.npy",
        files / "y.csv",
        "--classes",
        "eel,cat,dog",
        "-o",
        files / "t.json",
    )
    assert code == 0, err
    return json.loads((files / "t.json").read_text())


def test_tune_writes_the_decision_serialized(files):
    """Check that the file tune writes holds Decision.to_dict's fields, that
    Decision.from_dict reads them, and that the decision labels the scores as
    `sklabels decode` with the file does."""
    saved = tuned(files)
    decision = Decision.from_dict(
        {k: v for k, v in saved.items() if k not in COMMAND_FIELDS}
    )
    assert saved["version"] == 1
    assert decision.classes.tolist() == ["eel", "cat", "dog"]
    labels = decode(
        np.load(files / "s.npy"),
        decision.classes,
        threshold=decision.thresholds,
        problem=decision.problem,
    )
    code, out, err = cli("decode", files / "s.npy", "--thresholds", files / "t.json")
    assert code == 0, err
    assert out.split()[1:] == labels.tolist()
    assert len(set(labels)) == 3


def test_thresholds_file_without_version_reads_as_before(files):
    """Check that a file written before the decision was serialized (its fields,
    no version) decodes and reports the same as the file tune writes now."""
    saved = tuned(files)
    old = {k: saved[k] for k in ("problem", "classes", "thresholds", "scoring")}
    old.update(pos_label=None, from_logits=False)
    (files / "old.json").write_text(json.dumps(old))
    for command in (("decode", files / "s.npy"), ("report", files / "s.npy")):
        extra = [files / "y.csv"] if command[0] == "report" else []
        now = cli(*command, *extra, "--thresholds", files / "t.json")
        before = cli(*command, *extra, "--thresholds", files / "old.json")
        assert now[0] == 0, now[2]
        assert before == now


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2}, "with version 1, got version 2"),
        ({"colour": "red"}, "unknown: ['colour']"),
        ({"reject_threshold": 0.6}, "with ['reject_threshold'] set"),
        ({"rule": "thresholds"}, "does not decide a 'multiclass' problem"),
        ({"thresholds": [0.5, 2.0, 0.5]}, "outside [0, 1]"),
    ],
    ids=["version", "unknown-field", "reject", "rule", "range"],
)
def test_thresholds_file_bad_decision_is_one_line(files, change, message):
    """Check that an unknown version or field, a decision beyond thresholds and bad
    values are one-line errors naming the thresholds file."""
    saved = {**tuned(files), **change}
    (files / "bad.json").write_text(json.dumps(saved))
    code, _, err = cli("decode", files / "s.npy", "--thresholds", files / "bad.json")
    assert code == 1
    assert f"thresholds file {str(files / 'bad.json')!r}" in err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_thresholds_file_pos_label_must_match_pos_index(tmp_path):
    """Check that a binary file whose pos_label is not the class at pos_index is
    refused, and that the positive class comes from the decision."""
    rng = np.random.default_rng(1)
    p = rng.random(200)
    np.save(tmp_path / "s.npy", p)
    truth = np.where(p + rng.normal(scale=0.3, size=200) > 0.5, "spam", "ham")
    (tmp_path / "y.csv").write_text("label\n" + "\n".join(truth) + "\n")
    code, _, err = cli(
        "tune",
        tmp_path / "s.npy",
        tmp_path / "y.csv",
        "--pos-label",
        "ham",
        "-o",
        tmp_path / "t.json",
    )
    assert code == 0, err
    saved = json.loads((tmp_path / "t.json").read_text())
    assert (saved["pos_index"], saved["pos_label"]) == (0, "ham")
    (tmp_path / "bad.json").write_text(json.dumps({**saved, "pos_label": "spam"}))
    code, _, err = cli(
        "decode", tmp_path / "s.npy", "--thresholds", tmp_path / "bad.json"
    )
    assert code == 1
    assert "has pos_label 'spam' but pos_index 0 ('ham')" in err
