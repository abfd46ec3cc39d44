"""helpers.data.load_dataset end to end (datasets, files, readers, downloads): real MNIST,
mirrors, checksums, downloads, offline stand-ins and every documented error.

No test touches the real Keras cache or the network (conftest's ``isolated``): HOME and
KERAS_HOME point into tmp_path and the download function fails at once unless a test serves
files from 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gzip
import hashlib
import http.server
import io
import os
import pickle
import shutil
import tarfile
import threading
import urllib.error
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers.data import (
    DATASETS,
    StandInWarning,
    describe_data_source,
    downloads,
    files,
    load_dataset,
)
from helpers.data.downloads import PublishedFile, fetch


def _cache(tmp_path: Path) -> Path:
    return tmp_path / "keras" / "datasets"


def _patch_file(monkeypatch, key: str, **changes) -> None:
    spec = dataclasses.replace(files.DATA_FILES[key], **changes)
    monkeypatch.setitem(files.DATA_FILES, key, spec)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mnist_npz(tmp_path, mnist_test, monkeypatch) -> Path:
    """A Keras-style mnist.npz made of the real test set (8,000 train / 2,000 test), with
    the checksum table patched to accept it."""
    images, labels = mnist_test
    path = tmp_path / "made" / "mnist.npz"
    path.parent.mkdir()
    np.savez(path, x_train=images[:8000], y_train=labels[:8000], x_test=images[8000:],
             y_test=labels[8000:])
    _patch_file(monkeypatch, "mnist/mnist.npz", sha256=_sha256(path))
    return path


# ---------------------------------------------------------------- the real MNIST test set
def test_mnist_test_set_from_the_shared_mirror(mnist_mirror, mnist_test, mnist_readme):
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist", n_train=0,
                                                        data_dir=mnist_mirror)
    assert x_train.shape == (0, 28, 28, 1) and y_train.shape == (0,)
    assert x_test.shape == (10000, 28, 28, 1) and x_test.dtype == np.float32
    assert y_test.dtype == np.int64
    assert x_test.min() == 0.0 and x_test.max() == 1.0
    assert np.bincount(y_test).tolist() == mnist_readme.test_counts
    assert y_test[:10].tolist() == mnist_readme.first_ten
    np.testing.assert_array_equal(np.rint(x_test[..., 0] * 255).astype(np.uint8), mnist_test[0])


def test_full_mnist_from_the_shared_mirror_names_the_missing_train_file(mnist_mirror):
    with pytest.raises(FileNotFoundError, match=r"mnist is not in data_dir=.*: it lacks "
                                                r"train-images-idx3-ubyte.gz, "
                                                r"train-labels-idx1-ubyte.gz \(download=False\)"
                                                r".*pass n_train=0"):
        load_dataset("mnist", data_dir=mnist_mirror, download=False)


def test_a_mirror_is_found_through_course_data_dir_and_its_subfolder(mnist_mirror, tmp_path,
                                                                    monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "mnist").symlink_to(mnist_mirror)  # a mirror holding mnist/ only
    monkeypatch.setenv("COURSE_DATA_DIR", str(mirror))
    (_, _), (x_test, _y_test) = load_dataset("mnist", n_train=0, n_test=500)
    assert x_test.shape == (500, 28, 28, 1)
    assert describe_data_source() == f"COURSE_DATA_DIR={mirror} (offline mirror)"


def test_subsets_are_stratified_and_take_each_class_first_examples(mnist_mirror, mnist_test,
                                                                  mnist_readme):
    (_, _), (x_test, y_test) = load_dataset("mnist", n_train=0, n_test=1000,
                                            data_dir=mnist_mirror)
    images, labels = mnist_test
    counts = np.bincount(y_test, minlength=10)
    assert counts.sum() == 1000
    assert np.all(np.abs(counts - np.array(mnist_readme.test_counts) / 10) < 1)
    expected = np.sort(np.concatenate([np.flatnonzero(labels == c)[:counts[c]]
                                       for c in range(10)]))
    np.testing.assert_array_equal(y_test, labels[expected])
    np.testing.assert_array_equal(np.rint(x_test[..., 0] * 255), images[expected])


# ---------------------------------------------------------------- temporary mirrors
def test_temporary_mirror_with_a_keras_mnist_npz(tmp_path, mnist_npz, mnist_test, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copy(mnist_npz, mirror / "mnist.npz")
    monkeypatch.setenv("COURSE_DATA_DIR", str(mirror))
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist")
    assert x_train.shape == (8000, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    np.testing.assert_array_equal(y_train, mnist_test[1][:8000])
    np.testing.assert_array_equal(y_test, mnist_test[1][8000:])
    with pytest.raises(ValueError, match=r"The 'n_train' parameter of load_dataset must be at "
                                         r"most 8000 \(the examples mnist has here\); got 9000"):
        load_dataset("mnist", n_train=9000)


def test_temporary_mirror_with_fashion_idx_files(tmp_path, monkeypatch, idx_bytes):
    rng = np.random.default_rng(0)
    folder = tmp_path / "mirror" / "fashion-mnist"
    folder.mkdir(parents=True)
    arrays = {}
    for prefix, n in (("train", 30), ("t10k", 12)):
        arrays[prefix] = (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                          rng.integers(0, 10, n, dtype=np.uint8))
        for kind, array in zip(("images-idx3", "labels-idx1"), arrays[prefix]):
            name = f"{prefix}-{kind}-ubyte.gz"
            raw = idx_bytes(array)
            # the test split is stored uncompressed: the loader accepts either
            path = folder / (name if prefix == "train" else name[:-3])
            path.write_bytes(gzip.compress(raw) if prefix == "train" else raw)
            _patch_file(monkeypatch, f"fashion_mnist/{name}", md5="0" * 32,
                        content_md5=hashlib.md5(raw).hexdigest())
    (x_train, y_train), (x_test, y_test) = load_dataset(
        "fashion_mnist", data_dir=tmp_path / "mirror", download=False)
    np.testing.assert_array_equal(x_train[..., 0], arrays["train"][0] / np.float32(255))
    np.testing.assert_array_equal(y_train, arrays["train"][1])
    np.testing.assert_array_equal(y_test, arrays["t10k"][1])
    assert x_test.shape == (12, 28, 28, 1)


def _cifar_archive(path: Path, rows: int, *, poison: bool = False) -> dict:
    """A cifar-10-python.tar.gz laid out as the real one, with ``rows`` images per batch."""
    rng = np.random.default_rng(1)
    batches = {}
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            data = rng.integers(0, 256, (rows, 3072), dtype=np.uint8)
            labels = rng.integers(0, 10, rows).tolist()
            batches[name] = (data, labels)
            content = {b"batch_label": name.encode(), b"labels": labels, b"data": data}
            blob = pickle.dumps(content, protocol=4)
            if poison and name == "test_batch":
                blob = pickle.dumps(_Exploit(path.parent / "exploited"), protocol=4)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return batches


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _cifar_images(data: np.ndarray) -> np.ndarray:
    """CIFAR's documented layout: 1,024 red, then green, then blue values, row-major."""
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def test_cifar10_from_the_keras_cache_archive(tmp_path, monkeypatch):
    cache = _cache(tmp_path)
    cache.mkdir(parents=True)
    archive = cache / "cifar-10-batches-py-target_archive"  # the name Keras 3 gives it
    batches = _cifar_archive(archive, rows=4)
    _patch_file(monkeypatch, "cifar10/cifar-10-python.tar.gz", sha256=_sha256(archive))
    (x_train, _y_train), (x_test, y_test) = load_dataset("cifar10")
    train = np.concatenate([batches[f"data_batch_{i}"][0] for i in range(1, 6)])
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(np.rint(x_train * 255), _cifar_images(train))
    np.testing.assert_array_equal(np.rint(x_test * 255), _cifar_images(batches["test_batch"][0]))
    assert y_test.tolist() == batches["test_batch"][1] and y_test.dtype == np.int64
    assert describe_data_source() == f"Keras cache {cache}"


def test_cifar10_archive_cannot_run_code(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror" / "cifar10"
    mirror.mkdir(parents=True)
    archive = mirror / "cifar-10-python.tar.gz"
    _cifar_archive(archive, rows=2, poison=True)
    _patch_file(monkeypatch, "cifar10/cifar-10-python.tar.gz", sha256=_sha256(archive))
    with pytest.raises(ValueError, match=r"test_batch is not a CIFAR-10 batch \(refusing to "
                                         r"load (posix|nt).system"):
        load_dataset("cifar10", data_dir=mirror.parent)
    assert not (mirror / "exploited").exists()


# ---------------------------------------------------------------- corrupt files
def test_a_corrupt_mirror_file_is_never_returned(tmp_path, mnist_mirror, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    data = bytearray(gzip.decompress((mnist_mirror / "t10k-labels-idx1-ubyte.gz").read_bytes()))
    data[100] = (data[100] + 1) % 10  # one wrong label
    (mirror / "t10k-labels-idx1-ubyte").write_bytes(bytes(data))
    shutil.copy(mnist_mirror / "t10k-images-idx3-ubyte.gz", mirror)
    monkeypatch.setenv("COURSE_DATA_DIR", str(mirror))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte does not match the published "
                                         r"t10k-labels-idx1-ubyte.gz: md5 .*content md5 .* "
                                         r"It is corrupt or incomplete and was not used; delete"):
        load_dataset("mnist", n_train=0)


def test_a_corrupt_keras_cache_file_is_never_returned(tmp_path, mnist_npz):
    cache = _cache(tmp_path)
    cache.mkdir(parents=True)
    (cache / "mnist.npz").write_bytes(mnist_npz.read_bytes()[:-100])  # truncated copy
    with pytest.raises(ValueError, match=r"datasets/mnist.npz does not match the published "
                                         r"mnist.npz: sha256 "):
        load_dataset("mnist")


def test_verify_accepts_either_published_checksum(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(b"content"))
    PublishedFile("x.gz", md5=hashlib.md5(path.read_bytes()).hexdigest()).verify(path)
    PublishedFile("x.gz", sha256=_sha256(path)).verify(path)
    PublishedFile("x.gz", md5="0" * 32,
                  content_md5=hashlib.md5(b"content").hexdigest()).verify(path)
    with pytest.raises(ValueError, match=r"x.gz does not match the published x.gz: md5"):
        PublishedFile("x.gz", md5="0" * 32).verify(path)


# ---------------------------------------------------------------- downloads
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def _serve(folder: Path):
    """An HTTP server on 127.0.0.1 serving ``folder``; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _local_urlopen(url, *args, **kwargs):
    assert url.startswith(("http://127.0.0.1:", "file://")), url
    return urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, *args, **kwargs)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_a_good_download_is_verified_cached_and_reused(tmp_path, mnist_npz, monkeypatch,
                                                       capsys):
    offline = downloads.urlopen  # the one conftest's isolated fixture set
    monkeypatch.setattr(downloads, "urlopen", _local_urlopen)
    with _serve(mnist_npz.parent) as base:
        _patch_file(monkeypatch, "mnist/mnist.npz", url=base + "mnist.npz")
        assert describe_data_source().startswith("download (to the Keras cache ")
        (x_train, _), (x_test, _) = load_dataset("mnist", n_train=100)
    assert "Downloading mnist.npz (" in capsys.readouterr().out
    assert _leftovers(_cache(tmp_path)) == ["mnist.npz"]
    assert (_cache(tmp_path) / "mnist.npz").read_bytes() == mnist_npz.read_bytes()
    assert x_train.shape == (100, 28, 28, 1) and x_test.shape == (2000, 28, 28, 1)
    monkeypatch.setattr(downloads, "urlopen", offline)  # the cached copy is used now
    (x_again, _), _ = load_dataset("mnist", n_train=100)
    np.testing.assert_array_equal(x_again, x_train)


def test_a_download_into_data_dir(tmp_path, mnist_npz, monkeypatch):
    monkeypatch.setattr(downloads, "urlopen", _local_urlopen)
    _patch_file(monkeypatch, "mnist/mnist.npz", url=mnist_npz.as_uri())  # file:// URL
    (_, _), (x_test, _) = load_dataset("mnist", n_train=0, data_dir=tmp_path / "mine")
    assert x_test.shape == (2000, 28, 28, 1)
    assert _leftovers(tmp_path / "mine") == ["mnist.npz"]


def test_a_corrupted_download_is_deleted_and_raises(tmp_path, mnist_npz, monkeypatch, profile):
    profile("fast")  # a corrupt download is an error even where offline falls back
    served = tmp_path / "served"
    served.mkdir()
    (served / "mnist.npz").write_bytes(b"<html>captive portal</html>")
    monkeypatch.setattr(downloads, "urlopen", _local_urlopen)
    with _serve(served) as base:
        _patch_file(monkeypatch, "mnist/mnist.npz", url=base + "mnist.npz")
        with pytest.raises(ValueError, match=r"The download of http://127.0.0.1:\d+/mnist.npz "
                                             r"does not match the published mnist.npz: sha256 "
                                             r".*nothing was saved"):
            load_dataset("mnist")
    assert _leftovers(_cache(tmp_path)) == []


class _Interrupted:
    """A response that sends two chunks, then loses the connection (or is interrupted)."""

    def __init__(self, error: BaseException, declared: int = 10 << 20):
        self.error, self.chunks = error, [b"x" * 1000, b"y" * 1000]
        self.headers = {"Content-Length": str(declared)}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def read(self, size=-1):
        if self.chunks:
            return self.chunks.pop(0)
        raise self.error


def test_an_interrupted_download_leaves_no_partial_file(tmp_path, monkeypatch, profile):
    profile("full")
    monkeypatch.setattr(downloads, "urlopen",
                        lambda url, **kw: _Interrupted(ConnectionResetError("reset by peer")))
    with pytest.raises(FileNotFoundError, match=r"mnist is not available: mnist.npz \(or .*\) "
                                                r"not found in the Keras cache .*, and the "
                                                r"download failed: reset by peer. Fix: set "
                                                r"COURSE_DATA_DIR"):
        load_dataset("mnist")
    assert _leftovers(_cache(tmp_path)) == []
    profile("fast")
    with pytest.warns(UserWarning, match=r"download failed: reset by peer\); using the "
                                         r"stand-in 'digits'"):
        (x_train, _), _ = load_dataset("fashion_mnist", n_train=10, n_test=10)
    assert x_train.shape == (10, 28, 28, 1)
    assert _leftovers(_cache(tmp_path)) == ["fashion-mnist"]  # an empty folder, no file


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError("disk full")])
def test_fetch_cleans_up_after_any_interruption(tmp_path, monkeypatch, error):
    monkeypatch.setattr(downloads, "urlopen", lambda url, **kw: _Interrupted(error))
    with pytest.raises(type(error)):
        fetch(PublishedFile("f.bin", url="http://127.0.0.1:9/f.bin", md5="0" * 32),
              tmp_path / "f.bin", verbose=False)
    assert _leftovers(tmp_path) == []


def test_fetch_detects_a_short_download(tmp_path, monkeypatch):
    class Short(_Interrupted):
        def read(self, size=-1):
            return self.chunks.pop(0) if self.chunks else b""

    monkeypatch.setattr(downloads, "urlopen", lambda url, **kw: Short(None, declared=5000))
    with pytest.raises(OSError, match=r"was interrupted: received 2000 of 5000 bytes"):
        fetch(PublishedFile("f.bin", url="http://127.0.0.1:9/f.bin"), tmp_path / "f.bin",
              verbose=False)
    assert _leftovers(tmp_path) == []
    with pytest.raises(ValueError, match=r"f.bin has no download URL"):
        fetch(PublishedFile("f.bin"), tmp_path / "f.bin")


# ---------------------------------------------------------------- offline behaviour
def test_fast_profile_offline_gives_the_digits_stand_in_with_one_warning(profile, tmp_path):
    profile("fast")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (x_train, y_train), (x_test, _y_test) = load_dataset("mnist", n_train=2000, n_test=100)
    assert len(caught) == 1 and caught[0].category is StandInWarning
    assert issubclass(StandInWarning, UserWarning)
    assert (caught[0].message.dataset, caught[0].message.stand_in) == ("mnist", "digits")
    assert pickle.loads(pickle.dumps(caught[0].message)).stand_in == "digits"
    message = str(caught[0].message)
    assert "\n" not in message
    assert "using the stand-in 'digits'" in message and "1437 train / 100 test" in message
    assert "COURSE_DATA_DIR" in message and "network disabled in tests" in message
    assert x_train.shape == (1437, 28, 28, 1) and x_test.shape == (100, 28, 28, 1)
    assert x_train.dtype == np.float32 and set(np.unique(y_train)) == set(range(10))
    assert _leftovers(_cache(tmp_path)) == []


def test_fast_profile_offline_cifar10_becomes_shapes(profile):
    profile("fast")
    with pytest.warns(StandInWarning, match=r"cifar10 is not available .*stand-in 'shapes'") as caught:
        (x_train, y_train), (x_test, _) = load_dataset("cifar10", n_train=64, n_test=16)
    assert [w.message.stand_in for w in caught] == ["shapes"]
    assert x_train.shape == (64, 32, 32, 3) and x_test.shape == (16, 32, 32, 3)
    assert x_train.dtype == np.float32 and y_train.max() < 10


def test_fast_profile_offline_fashion_mnist_becomes_digits(profile):
    profile("fast")
    with pytest.warns(UserWarning, match=r"fashion_mnist is not available \(download=False\); "
                                         r"using the stand-in 'digits'"):
        (x_train, _), _ = load_dataset("fashion_mnist", n_train=50, download=False)
    assert x_train.shape == (50, 28, 28, 1)


def test_full_profile_offline_names_the_missing_files_and_the_fix(profile, tmp_path, monkeypatch):
    profile("full")
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty-mirror"))
    with pytest.raises(FileNotFoundError, match=r"cifar10 is not available: "
                                                r"cifar-10-python.tar.gz not found in "
                                                r"COURSE_DATA_DIR=.*empty-mirror or the Keras "
                                                r"cache .*network disabled in tests>\. Fix: set "
                                                r"COURSE_DATA_DIR to a folder"):
        load_dataset("cifar10")
    assert describe_data_source().endswith("(offline mirror; folder not found)")


def test_explicit_data_dir_never_falls_back(profile, tmp_path):
    profile("fast")
    with pytest.raises(FileNotFoundError, match=r"mnist is not in data_dir=.*: it lacks "
                                                r"mnist.npz \(the download failed: <urlopen "
                                                r"error network disabled in tests>\)"):
        load_dataset("mnist", data_dir=tmp_path / "nothing-here")


# ---------------------------------------------------------------- digits and shapes
def test_digits_are_sklearns_digits_resized_like_mnist():
    import scipy.ndimage
    from sklearn.datasets import load_digits

    bunch = load_digits()
    (x_train, y_train), (x_test, y_test) = load_dataset("digits")
    assert x_train.shape == (1437, 28, 28, 1) and x_test.shape == (360, 28, 28, 1)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), bunch.target)
    reference = scipy.ndimage.zoom(bunch.images / 16.0, (1, 2.5, 2.5), order=1,
                                   mode="nearest", grid_mode=True)
    images = np.concatenate([x_train, x_test])[..., 0]
    np.testing.assert_allclose(images[:, 4:24, 4:24], reference, atol=1e-6)
    frame = images.copy()
    frame[:, 4:24, 4:24] = 0
    assert not frame.any()


def test_shapes_dataset_sizes():
    (x_train, _y_train), (x_test, _y_test) = load_dataset("shapes")
    assert x_train.shape == (5000, 32, 32, 3) and x_test.shape == (1000, 32, 32, 3)
    (x_small, _), (x_big, _) = load_dataset("shapes", n_train=7, n_test=6000)
    assert x_small.shape == (7, 32, 32, 3) and x_big.shape == (6000, 32, 32, 3)
    assert not np.array_equal(x_train[:10], x_test[:10])  # train and test are different draws


# ---------------------------------------------------------------- argument errors
@pytest.mark.parametrize("name", ["mnst", "MNIST", "fashion-mnist", None])
def test_unknown_dataset_name_lists_the_known_ones(name):
    with pytest.raises(ValueError, match=r"The 'name' parameter of load_dataset must be one of "
                                         r"\('mnist', 'fashion_mnist', 'cifar10', 'digits', "
                                         r"'shapes'\); got "):
        load_dataset(name)
    assert DATASETS == ("mnist", "fashion_mnist", "cifar10", "digits", "shapes")


@pytest.mark.parametrize("kwargs, message", [
    ({"n_train": -1}, (r"The 'n_train' parameter of load_dataset must be None or an int >= 0; "
                       r"got -1")),
    ({"n_test": 2.5}, r"The 'n_test' parameter of load_dataset must be None or an int >= 0"),
    ({"n_train": True}, r"The 'n_train' parameter of load_dataset must be None or an int"),
    ({"n_train": 60001}, (r"The 'n_train' parameter of load_dataset must be at most 60000 "
                          r"\(the size of mnist's train set\); got 60001")),
    ({"n_test": 10001}, (r"The 'n_test' parameter of load_dataset must be at most 10000 "
                         r"\(the size of mnist's test set\); got 10001")),
])
def test_bad_counts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_dataset("mnist", **kwargs)


def test_bad_data_dir_and_download(tmp_path):
    afile = tmp_path / "a-file"
    afile.write_text("x")
    with pytest.raises(ValueError, match=r"The 'data_dir' parameter of load_dataset must be a "
                                         r"folder; got .*a-file', which is a file"):
        load_dataset("mnist", data_dir=afile)
    with pytest.raises(TypeError, match=r"The 'data_dir' parameter of load_dataset must be None, "
                                        r"a str or an os.PathLike; got int 5"):
        load_dataset("mnist", data_dir=5)
    with pytest.raises(TypeError, match=r"The 'download' parameter of load_dataset must be a "
                                        r"bool; got 'yes'"):
        load_dataset("mnist", download="yes")
    with pytest.raises(ValueError, match=r"The 'n_train' parameter of load_dataset must be at "
                                         r"most 1437 \(the size of digits's train set\)"):
        load_dataset("digits", n_train=2000)
