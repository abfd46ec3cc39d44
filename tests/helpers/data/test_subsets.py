"""Real subsets in a mirror laid out like ../shared/data: MNIST's 20,000 real training images
with the official test set, Fashion-MNIST's 2,100 real images and their documented split, the
warning that names them, checksums, and the full profile that never takes them for the full set.

The references are the mirror's own files decoded without helpers (gzip + frombuffer, np.load),
the official label files it holds, and the checksums its README publishes. Tests that need the
mirror skip when ../shared/data is absent.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import warnings

import numpy as np
import pytest

from helpers.data import RealSubsetWarning, StandInWarning, describe_data_source, load_dataset
from helpers.data.files import DATA_FILES
from helpers.data.mirror import KERAS_FILES, KERAS_FOLDER
from helpers.data.subsets import SUBSET_FILES, stratified_indices


@pytest.fixture
def mirror(real_mirror, monkeypatch, profile):
    """COURSE_DATA_DIR set to the real mirror, in the fast profile."""
    profile("fast")
    monkeypatch.setenv("COURSE_DATA_DIR", str(real_mirror))
    return real_mirror


def _load(*args, **kwargs):
    """load_dataset, and the warnings it gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        arrays = load_dataset(*args, **kwargs)
    return arrays, [w.message for w in caught]


def _npz(path):
    with np.load(path) as archive:
        return archive["arr_0"]


# ---------------------------------------------------------------- MNIST
def test_mnist_is_the_20000_real_training_images_and_the_official_test_set(
        mirror, mnist_test, mnist_readme, official_labels):
    ((x_train, y_train), (x_test, y_test)), caught = _load("mnist")
    assert x_train.shape == (20000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_array_equal(y_train, official_labels.mnist_train[:20000])
    np.testing.assert_array_equal(np.rint(x_train[..., 0] * 255),
                                  _npz(mirror / "mnist-subset/x_train_20k.npz"))
    np.testing.assert_array_equal(np.rint(x_test[..., 0] * 255), mnist_test[0])
    assert np.bincount(y_test).tolist() == mnist_readme.test_counts
    assert [type(w) for w in caught] == [RealSubsetWarning]
    warning = caught[0]
    assert (warning.dataset, warning.sizes, warning.available) == ("mnist", (20000, 10000),
                                                                   (20000, 10000))
    assert warning.source == "MNIST (LeCun, Cortes; CC BY-SA 3.0)"
    assert warning.folder == str(mirror)
    assert not issubclass(RealSubsetWarning, StandInWarning)
    assert issubclass(RealSubsetWarning, UserWarning)
    assert pickle.loads(pickle.dumps(warning)).sizes == (20000, 10000)
    message = str(warning)
    assert "\n" not in message
    assert message.startswith("mnist: a real subset, not the full set (nor a stand-in): "
                              "20,000 train / 10,000 test images from MNIST's first 20,000 "
                              "training images (of 60,000) and its official 10,000 test images")
    assert f"read from {mirror}. The full set needs mnist.npz (or train-images" in message


def test_n_train_and_n_test_take_stratified_subsets_of_the_real_subset(mirror, official_labels,
                                                                       mnist_readme):
    ((x_train, y_train), (x_test, y_test)), caught = _load("mnist", n_train=2000, n_test=500)
    assert x_train.shape == (2000, 28, 28, 1) and x_test.shape == (500, 28, 28, 1)
    assert caught[0].sizes == (2000, 500) and "2,000 train / 500 test images" in str(caught[0])
    labels = official_labels.mnist_train[:20000]
    counts = np.bincount(y_train, minlength=10)
    assert counts.sum() == 2000
    assert np.all(np.abs(counts - np.bincount(labels) / 10) < 1)   # 2,000 of 20,000
    first = np.sort(np.concatenate([np.flatnonzero(labels == c)[:counts[c]] for c in range(10)]))
    images = _npz(mirror / "mnist-subset/x_train_20k.npz")
    np.testing.assert_array_equal(np.rint(x_train[..., 0] * 255), images[first])
    assert np.all(np.abs(np.bincount(y_test) - np.array(mnist_readme.test_counts) / 20) < 1)


def test_the_official_test_set_alone_is_no_subset(mirror):
    ((x_train, _), (x_test, _)), caught = _load("mnist", n_train=0)
    assert x_train.shape == (0, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert caught == []


# ---------------------------------------------------------------- Fashion-MNIST
def test_fashion_mnist_split_is_the_documented_one(mirror, official_labels):
    ((x_train, y_train), (x_test, y_test)), caught = _load("fashion_mnist")
    test_images = _npz(mirror / "fashion-mnist-subset/x_test_2k.npz")
    train_images = _npz(mirror / "fashion-mnist-subset/x_train_100.npz")
    assert x_train.shape == (1600, 28, 28, 1) and x_test.shape == (500, 28, 28, 1)
    # the labels are the official ones: first 2,000 test and first 100 training labels
    test_labels = official_labels.fashion_test[:2000]
    np.testing.assert_array_equal(y_train[:100], official_labels.fashion_train[:100])
    # the training part starts with the 100 training images, in order
    np.testing.assert_array_equal(np.rint(x_train[:100, ..., 0] * 255), train_images)
    # test part and the rest of the training part are the 2,000 test images, each once
    split = np.concatenate([x_test, x_train[100:]])[..., 0]
    order = {hashlib.sha1(image.tobytes()).hexdigest(): i for i, image in enumerate(test_images)}
    assert len(order) == 2000  # no two identical images, so each one identifies its index
    where = np.array([order[hashlib.sha1(np.rint(img * 255).astype(np.uint8).tobytes())
                            .hexdigest()] for img in split])
    assert sorted(where.tolist()) == list(range(2000))
    test_index, rest_index = where[:500], where[500:]
    assert np.all(np.diff(test_index) > 0) and np.all(np.diff(rest_index) > 0)  # file order
    np.testing.assert_array_equal(y_test, test_labels[test_index])
    np.testing.assert_array_equal(y_train[100:], test_labels[rest_index])
    # stratified: each class's share of 500 (within one), its first images in file order
    counts = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(counts - np.bincount(test_labels) / 4) < 1)
    for c in range(10):
        assert test_index[y_test == c].tolist() == np.flatnonzero(test_labels == c)[
            :counts[c]].tolist()
    assert caught[0].sizes == (1600, 500) and caught[0].available == (1600, 500)
    assert caught[0].source == "Fashion-MNIST (Zalando Research; MIT licence)"


def test_asking_for_more_than_a_subset_holds_gives_what_it_holds(mirror):
    ((x_train, _), (x_test, _)), caught = _load("fashion_mnist", n_train=2000, n_test=300)
    assert x_train.shape == (1600, 28, 28, 1) and x_test.shape == (300, 28, 28, 1)
    assert "1,600 train / 300 test images" in str(caught[0])
    with pytest.raises(ValueError, match=r"The 'n_train' parameter of load_dataset must be at "
                                         r"most 60000 \(the size of fashion_mnist's train set\)"):
        load_dataset("fashion_mnist", n_train=60001)


# ---------------------------------------------------------------- never the full set
def test_the_full_profile_never_uses_a_subset(mirror, profile):
    profile("full")
    with pytest.raises(FileNotFoundError, match=(
            r"mnist is not available: mnist.npz \(or train-images-idx3-ubyte.gz, "
            r"train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz\)"
            rf" not found in COURSE_DATA_DIR={mirror} or the Keras cache .*network disabled in "
            rf"tests>\. {mirror} holds only a real subset of mnist \(MNIST's first 20,000 "
            r"training images .*\), which the full profile never uses in place of the full set\."
            r" Fix: set COURSE_DATA_DIR")):
        load_dataset("mnist")
    with pytest.raises(FileNotFoundError, match=(
            rf"fashion_mnist is not in data_dir={mirror}: it lacks train-images-idx3-ubyte.gz, "
            r".*\(download=False\)\. .* holds only a real subset of fashion_mnist")):
        load_dataset("fashion_mnist", data_dir=mirror, download=False)
    assert describe_data_source("full").endswith(
        "; the full profile does not use them: it needs the full sets; Keras files: ImageNet "
        "weights of MobileNet (alpha 0.25, 128 px), the ImageNet class index")


def test_full_files_win_over_a_subset(mirror, linked_mirror, mnist_test, tmp_path, monkeypatch):
    root = linked_mirror("mnist", "mnist-subset")
    images, labels = mnist_test
    np.savez(root / "mnist.npz", x_train=images[:3000], y_train=labels[:3000],
             x_test=images[3000:], y_test=labels[3000:])
    spec = DATA_FILES["mnist/mnist.npz"]
    monkeypatch.setitem(DATA_FILES, "mnist/mnist.npz", type(spec)(
        spec.name, url=spec.url, sha256=hashlib.sha256((root / "mnist.npz").read_bytes())
        .hexdigest()))
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    ((x_train, _), (x_test, _)), caught = _load("mnist")
    assert x_train.shape == (3000, 28, 28, 1) and x_test.shape == (7000, 28, 28, 1)
    assert caught == []


def test_data_dir_may_be_the_mirror(real_mirror, profile):
    profile("fast")
    ((x_train, _), _), caught = _load("mnist", n_train=100, n_test=10, data_dir=real_mirror)
    assert x_train.shape == (100, 28, 28, 1)
    assert [type(w) for w in caught] == [RealSubsetWarning]


def test_the_data_line_names_the_subsets(mirror):
    assert describe_data_source() == (
        f"real subsets from {mirror} (MNIST 20,000 train + official 10,000 test; "
        "Fashion-MNIST 2,100: 1,600 train / 500 test); Keras files: ImageNet weights of "
        "MobileNet (alpha 0.25, 128 px), the ImageNet class index")


# ---------------------------------------------------------------- checksums
def test_the_checksums_are_the_mirror_readmes_and_the_files_match_them(real_mirror,
                                                                         readme_sha256):
    ours = {key: spec.sha256 for key, spec in SUBSET_FILES.items()}
    ours.update({f"{KERAS_FOLDER}/{name}": sha256 for name, (sha256, _) in KERAS_FILES.items()})
    assert ours == {key: value for key, value in readme_sha256.items() if key in ours}
    assert set(readme_sha256) - set(ours) == {  # label files only the tests read
        "mnist-subset/train-labels-idx1-ubyte.gz", "fashion-mnist-subset/t10k-labels-idx1-ubyte.gz",
        "fashion-mnist-subset/train-labels-idx1-ubyte.gz"}
    for key, expected in readme_sha256.items():
        assert hashlib.sha256((real_mirror / key).read_bytes()).hexdigest() == expected, key


@pytest.mark.parametrize("name, key", [
    ("mnist", "mnist-subset/x_train_20k.npz"),
    ("fashion_mnist", "fashion-mnist-subset/y_test_2k.npz"),
])
def test_a_corrupted_subset_file_is_never_used(mirror, linked_mirror, monkeypatch, name, key):
    root = linked_mirror("mnist")
    folder = root / key.split("/")[0]
    folder.mkdir()
    for path in (mirror / folder.name).iterdir():  # copies without the read-only modes
        shutil.copyfile(path, folder / path.name)
    data = bytearray((root / key).read_bytes())
    data[-30] ^= 0xFF
    (root / key).write_bytes(bytes(data))
    monkeypatch.setenv("COURSE_DATA_DIR", str(root))
    with pytest.raises(ValueError, match=rf"{root / key} does not match the published "
                                         rf"{key.split('/')[1]}: sha256 .* It is corrupt or "
                                         r"incomplete and was not used; replace it"):
        load_dataset(name)


def test_without_the_subset_offline_is_as_before(mirror, linked_mirror, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(linked_mirror("mnist")))  # no subset folders
    ((x_train, _), _), caught = _load("fashion_mnist", n_train=50, n_test=10)
    assert x_train.shape == (50, 28, 28, 1)
    assert [type(w) for w in caught] == [StandInWarning]


# ---------------------------------------------------------------- provenance
def test_every_load_is_recorded_for_the_manifest(mirror, tmp_path, monkeypatch, linked_mirror):
    record = tmp_path / "provenance.jsonl"
    monkeypatch.setenv("COURSE_PROVENANCE_FILE", str(record))
    _load("mnist", n_train=100, n_test=20)
    _load("mnist", n_train=0)
    _load("shapes", n_train=4, n_test=2)
    _load("digits", n_train=10)
    monkeypatch.setenv("COURSE_DATA_DIR", str(linked_mirror("mnist")))
    _load("fashion_mnist", n_train=50, n_test=10)
    records = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(r["name"], r["data"], r["returned"], r["n_train"], r["n_test"]) for r in records] == [
        ("mnist", "real subset", "mnist", 100, 20),
        ("mnist", "full", "mnist", 0, 10000),
        ("shapes", "generated", "shapes", 4, 2),
        ("digits", "full", "digits", 10, 360),
        ("fashion_mnist", "stand-in", "digits", 50, 10)]
    assert {r["kind"] for r in records} == {"dataset"}
    assert records[0]["source"].startswith("MNIST (LeCun, Cortes; CC BY-SA 3.0): MNIST's first")
    assert records[1]["source"] == f"COURSE_DATA_DIR={mirror}"


def test_stratified_indices_keep_class_shares():
    labels = np.array([0] * 6 + [1] * 3 + [2] * 1)
    assert stratified_indices(labels, 5).tolist() == [0, 1, 2, 6, 7]   # 3, 1.5->2, 0.5->0
