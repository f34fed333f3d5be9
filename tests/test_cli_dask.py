"""The command line on a directory or glob of parquet score files, read in memory
(under --memory-budget) or through Dask (past it): the same thresholds, labels,
reports and errors either way, and as on the concatenated file."""

import itertools
import json
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("dask.dataframe")

import dask  # noqa: E402
from _cli_runner import cli  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")
CLASSES = ["cat", "dog", "bird"]
READERS = {"memory": [], "dask": ["--memory-budget", "0"]}


@pytest.fixture(autouse=True)
def synchronous():
    """The CLI computes with Dask's default scheduler; here, in this process."""
    with dask.config.set(scheduler="synchronous"):
        yield


def _write_parts(frame, folder, bounds):
    folder.mkdir()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        frame.iloc[a:b].to_parquet(folder / f"part{i:02d}.parquet")


def _files(tmp_path, softmax, order, seed=0, n=600, bounds=(0, 150, 420, 600)):
    rng = np.random.default_rng(seed)
    p = rng.random((n, 3)).astype(np.float32)
    if softmax:
        p = p / p.sum(axis=1, keepdims=True)
        truth = pd.DataFrame(
            {"label": np.array(CLASSES)[np.argmax(p + rng.random((n, 3)), axis=1)]}
        )
    else:
        truth = pd.DataFrame((rng.random((n, 3)) < p).astype(int), columns=CLASSES)
    scores = pd.DataFrame(p, columns=CLASSES)[order]
    scores.to_parquet(tmp_path / "all.parquet")
    _write_parts(scores, tmp_path / "val", list(bounds))
    truth.to_parquet(tmp_path / "labels.parquet")
    return tmp_path


@pytest.mark.parametrize(
    ("softmax", "bounds"),
    [
        (False, (0, 150, 420, 600)),
        (True, (0, 150, 420, 600)),
        (True, (0, 0, 150, 150, 600, 600)),  # empty files first, between and last
    ],
    ids=["sigmoid", "softmax", "softmax-empty-files"],
)
@pytest.mark.parametrize("pattern", ["val", "val/*.parquet"])
def test_cli_tune_decode_report_dataset_equal_single_file(
    tmp_path, softmax, bounds, pattern
):
    """Check that tune, decode and report on a directory or glob of parquet files
    (some of them empty) write exactly what they write for the same rows in one
    file."""
    _files(tmp_path, softmax, ["dog", "bird", "cat"], bounds=bounds)
    dataset = str(tmp_path / pattern)
    one = str(tmp_path / "all.parquet")
    labels = tmp_path / "labels.parquet"
    runs = [("one", one, []), *[(r, dataset, a) for r, a in READERS.items()]]
    outputs = {}
    for name, scores, reader in runs:
        thresholds = tmp_path / f"{name}.json"
        code, out, err = cli("tune", scores, labels, "-o", thresholds, *reader)
        assert code == 0, err
        decoded = cli("decode", scores, "--thresholds", thresholds, *reader)
        reported = cli("report", scores, labels, "--thresholds", thresholds, *reader)
        outputs[name] = (out, thresholds.read_text(), decoded, reported)
    assert outputs["memory"] == outputs["one"]
    assert outputs["dask"] == outputs["one"]
    assert json.loads(outputs["one"][1])["classes"] == ["dog", "bird", "cat"]


@settings(max_examples=8, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(0, 80), min_size=1, max_size=5),
    st.permutations(CLASSES),
)
def test_cli_dataset_partitioning_never_changes_thresholds(
    tmp_path_factory, cuts, order
):
    """Check that how the rows are split into files (empty files included), and the
    column order, never change the thresholds written."""
    tmp_path = tmp_path_factory.mktemp("parts")
    bounds = sorted([0, 200, *[min(c * 3, 200) for c in cuts]])  # repeats: empty
    _files(tmp_path, False, list(order), seed=len(cuts), n=200, bounds=bounds)
    ref = cli("tune", tmp_path / "all.parquet", tmp_path / "labels.parquet")
    ref_json = json.loads(ref[1])
    for reader in READERS.values():
        got = cli("tune", tmp_path / "val", tmp_path / "labels.parquet", *reader)
        assert got[0] == 0, got[2]
        got_json = json.loads(got[1])
        assert got_json["thresholds"] == ref_json["thresholds"]
        assert got_json["best_score"] == ref_json["best_score"]


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda d: None, "matches no file"),
        (lambda d: (d / "val.csv").write_text("cat\n0.5\n"), "not a .parquet file"),
        (
            lambda d: pd.DataFrame({"cat": ["x"]}).to_parquet(d / "val.parquet"),
            "non-numeric column",
        ),
        (
            lambda d: [
                pd.DataFrame({"cat": [0.2], "dog": [0.8]}).to_parquet(
                    d / "val1.parquet"
                ),
                pd.DataFrame({"cat": [0.2], "eel": [0.8]}).to_parquet(
                    d / "val2.parquet"
                ),
            ],
            "val1.parquet' has columns ['cat', 'dog'] but '",
        ),
        (
            lambda d: (
                pd.DataFrame({"cat": [0.5]}).iloc[:0].to_parquet(d / "val.parquet")
            ),
            "hold no rows.",
        ),
    ],
    ids=["no-file", "not-parquet", "text-scores", "columns-differ", "no-rows"],
)
@pytest.mark.parametrize("reader", list(READERS))
def test_cli_dataset_errors_are_one_line(tmp_path, setup, message, reader):
    """Check that an empty pattern, a non-parquet file, text scores, files with other
    columns and files without rows are the same one-line errors, naming the
    pattern, in memory and through Dask."""
    (tmp_path / "labels.csv").write_text("label\ncat\n")
    setup(tmp_path)
    pattern = str(tmp_path / "val*")
    code, _, err = cli("tune", pattern, tmp_path / "labels.csv", *READERS[reader])
    assert code == 1
    assert message in err
    assert repr(pattern) in err or "val1.parquet" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_dataset_output_is_never_one_of_its_files(tmp_path):
    """Check that -o naming a file matched by the scores pattern is refused."""
    _files(tmp_path, False, CLASSES)
    target = tmp_path / "val" / "part01.parquet"
    before = target.read_bytes()
    code, _, err = cli(
        "decode", tmp_path / "val", "--classes", "cat,dog,bird", "-o", target
    )
    assert code == 1
    assert "never writes over its input" in err
    assert target.read_bytes() == before


def test_cli_dataset_columns_in_another_order_per_file(tmp_path):
    """Check that files naming the same columns in different orders (and an empty
    file) give the thresholds and labels of the concatenated file, in memory and
    through Dask."""
    rng = np.random.default_rng(3)
    p = rng.random((300, 3))
    scores = pd.DataFrame(p / p.sum(axis=1, keepdims=True), columns=CLASSES)
    truth = np.array(CLASSES)[np.argmax(p + rng.random((300, 3)), axis=1)]
    pd.DataFrame({"label": truth}).to_parquet(tmp_path / "labels.parquet")
    scores.to_parquet(tmp_path / "all.parquet")
    (tmp_path / "val").mkdir()
    scores.iloc[:100].to_parquet(tmp_path / "val" / "a.parquet")
    scores.iloc[100:100][["bird", "cat", "dog"]].to_parquet(
        tmp_path / "val" / "b.parquet"
    )
    scores.iloc[100:][["dog", "bird", "cat"]].to_parquet(tmp_path / "val" / "c.parquet")
    labels = tmp_path / "labels.parquet"
    expected = cli("tune", tmp_path / "all.parquet", labels)
    decoded = cli("decode", tmp_path / "all.parquet", "--classes", "cat,dog,bird")
    for reader in READERS.values():
        assert cli("tune", tmp_path / "val", labels, *reader) == expected
        got = cli("decode", tmp_path / "val", "--classes", "cat,dog,bird", *reader)
        assert got == decoded


def test_cli_dataset_under_the_budget_needs_no_dask(tmp_path, monkeypatch):
    """Check that a dataset under the memory budget is decoded without Dask, and one
    past it asks for the Dask extra or a larger --memory-budget."""
    _files(tmp_path, True, CLASSES)
    expected = cli("decode", tmp_path / "all.parquet")
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)  # import fails
    assert cli("decode", tmp_path / "val") == expected
    code, _, err = cli("decode", tmp_path / "val", "--memory-budget", "10kB")
    assert code == 1
    assert 'pip install "sklabels[dask]"; or raise --memory-budget.' in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("0", 0),
        ("123", 123),
        ("500MB", 500_000_000),
        ("2GB", 2_000_000_000),
        ("1.5g", 1_500_000_000),
        ("1GiB", 2**30),
        ("10 kb", 10_000),
        (None, 2_000_000_000),
    ],
)
def test_memory_budget_sizes(text, size):
    """Check that --memory-budget reads bytes and decimal or binary units."""
    from sklabels._cli_dataset import parse_memory_budget

    assert parse_memory_budget(text) == size


@pytest.mark.parametrize("text", ["", "lots", "-1GB", "2 GiBs", "iB", "1e9"])
def test_memory_budget_not_a_size_is_one_line(tmp_path, text):
    """Check that a --memory-budget that is not a size is a one-line error naming
    the value and an example."""
    _files(tmp_path, True, CLASSES)
    code, _, err = cli("decode", tmp_path / "val", f"--memory-budget={text}")
    assert code == 1
    assert f"--memory-budget {text!r} is not a size" in err
    assert "--memory-budget 2GB" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_dataset_missing_score_same_error_either_reader(tmp_path):
    """Check that a missing score in one of the files is the same one-line error in
    memory and through Dask."""
    (tmp_path / "val").mkdir()
    frame = pd.DataFrame({"cat": [0.2, np.nan, 0.7], "dog": [0.8, 0.5, 0.3]})
    frame.iloc[:2].to_parquet(tmp_path / "val" / "a.parquet")
    frame.iloc[2:].to_parquet(tmp_path / "val" / "b.parquet")
    errors = [cli("decode", tmp_path / "val", *r) for r in READERS.values()]
    assert errors[0] == errors[1]
    code, _, err = errors[0]
    assert code == 1
    assert "NaN in 1 row(s) (first: row 1)" in err
    assert len(err.strip().splitlines()) == 1
