"""Where the real datasets' files are: MNIST, Fashion-MNIST and CIFAR-10 as published.

``DATA_FILES`` records each published file with its URL and its published checksums (Keras'
SHA-256, the authors' MD5 of the ``.gz`` and of its content). A dataset may be stored in more
than one way (``FORMATS``: MNIST as ``mnist.npz`` or as four IDX files). :func:`read_local`
looks for a complete set in ``data_dir``, else in ``COURSE_DATA_DIR`` and the Keras cache, at
the top of each folder or in the dataset's sub-folder (``FOLDERS``), and verifies every file;
:func:`download_and_read` downloads what is missing.

Example:
    >>> read_local("mnist", ("test",), None)                   # doctest: +SKIP
    ({'test': (array(...), array(...))}, PosixPath('/root/.keras/datasets'))
"""

from __future__ import annotations

import http.client
import os
from dataclasses import dataclass
from pathlib import Path

from helpers.data.downloads import PublishedFile, fetch
from helpers.data.readers import READERS, SplitArrays

__all__ = [
    "DATA_FILES",
    "ENV_VAR",
    "FOLDERS",
    "FORMATS",
    "download_and_read",
    "file_list",
    "keras_cache_dir",
    "mirror_dir",
    "read_local",
    "search",
    "search_roots",
]

ENV_VAR = "COURSE_DATA_DIR"
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def _idx(dataset: str, name: str, md5: str, content_md5: str, *, url: str | None,
         cache_subdir: str = "") -> tuple[str, PublishedFile]:
    raw = name.removesuffix(".gz")
    return f"{dataset}/{name}", PublishedFile(name, url=url, md5=md5, content_md5=content_md5,
                                             aliases=(raw,), cache_subdir=cache_subdir)


def _fashion(name: str, md5: str, content_md5: str) -> tuple[str, PublishedFile]:
    return _idx("fashion_mnist", name, md5, content_md5, url=KERAS_URL + name,
                cache_subdir="fashion-mnist")


#: "dataset/file name" -> the published file (URL and checksums).
DATA_FILES: dict[str, PublishedFile] = dict([
    ("mnist/mnist.npz", PublishedFile(
        "mnist.npz", url=KERAS_URL + "mnist.npz",
        sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")),
    _idx("mnist", "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
         "6bbc9ace898e44ae57da46a324031adb", url=None),
    _idx("mnist", "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
         "a25bea736e30d166cdddb491f175f624", url=None),
    _idx("mnist", "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
         "2646ac647ad5339dbf082846283269ea", url=None),
    _idx("mnist", "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
         "27ae3e4e09519cfbb04c329615203637", url=None),
    _fashion("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
             "f4a8712d7a061bf5bd6d2ca38dc4d50a"),
    _fashion("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
             "9018921c3c673c538a1fc5bad174d6f9"),
    _fashion("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
             "8181f5470baa50b63fa0f6fddb340f0a"),
    _fashion("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
             "15d484375f8d13e6eb1aabb0c3f46965"),
    ("cifar10/cifar-10-python.tar.gz", PublishedFile(
        "cifar-10-python.tar.gz", url=CIFAR10_URL,
        sha256="6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        md5="c58f30108f718f92721af3b95e74349a",
        aliases=("cifar-10-batches-py-target_archive", "cifar-10-batches-py.tar.gz"))),
])


@dataclass(frozen=True)
class Format:
    """One way a dataset is stored: the ``DATA_FILES`` keys each split needs, and a reader."""

    reader: str  # a key of READERS
    train: tuple[str, ...]
    test: tuple[str, ...]

    def keys(self, splits: tuple[str, ...]) -> tuple[str, ...]:
        """The keys the given splits need, without repeats."""
        return tuple(dict.fromkeys(key for split in splits for key in getattr(self, split)))


def _idx_format(dataset: str) -> Format:
    names = ("images-idx3-ubyte.gz", "labels-idx1-ubyte.gz")
    return Format("idx", tuple(f"{dataset}/train-{n}" for n in names),
                  tuple(f"{dataset}/t10k-{n}" for n in names))


#: the ways each dataset may be stored, preferred first; the first downloadable one is downloaded
FORMATS = {
    "mnist": (Format("npz", ("mnist/mnist.npz",), ("mnist/mnist.npz",)), _idx_format("mnist")),
    "fashion_mnist": (_idx_format("fashion_mnist"),),
    "cifar10": (Format("cifar", ("cifar10/cifar-10-python.tar.gz",),
                       ("cifar10/cifar-10-python.tar.gz",)),),
}
#: sub-folders of a mirror or cache that may hold a dataset's files (besides the top level)
FOLDERS = {"mnist": ("mnist",), "fashion_mnist": ("fashion-mnist", "fashion_mnist"),
           "cifar10": ("cifar10", "cifar-10")}

Found = tuple[Format, dict[str, Path]]


# ---------------------------------------------------------------- where the files are
def keras_cache_dir() -> Path:
    """Return Keras' download folder: ``$KERAS_HOME/datasets``, else ``~/.keras/datasets``.

    Like Keras, it falls back to ``/tmp/.keras/datasets`` when the home folder is read-only.
    """
    if "KERAS_HOME" in os.environ:
        return Path(os.environ["KERAS_HOME"]).expanduser() / "datasets"
    home = Path.home()
    base = home if os.access(home, os.W_OK) else Path("/tmp")
    return base / ".keras" / "datasets"


def mirror_dir() -> Path | None:
    """Return the offline mirror named by ``COURSE_DATA_DIR``, or ``None``."""
    folder = os.environ.get(ENV_VAR)
    return Path(folder).expanduser() if folder else None


def find_file(key: str, root: Path, dataset: str) -> Path | None:
    """Return the first copy of ``DATA_FILES[key]`` in ``root`` or its dataset sub-folders."""
    spec = DATA_FILES[key]
    folders = dict.fromkeys([root, root / spec.cache_subdir,
                             *(root / sub for sub in FOLDERS[dataset])])
    for folder in folders:
        for file_name in spec.names:
            if (folder / file_name).is_file():
                return folder / file_name
    return None


def search(dataset: str, root: Path, splits: tuple[str, ...]) -> tuple[Found | None, list[str]]:
    """Return the first format complete in ``root`` with its paths.

    Returns:
        ``((format, paths), [])``, or ``(None, keys)`` with the keys missing from the most
        complete format (for error messages).
    """
    best_missing: list[str] = []
    best_present = -1
    for fmt in FORMATS[dataset]:
        paths = {key: find_file(key, root, dataset) for key in fmt.keys(splits)}
        missing = [key for key, path in paths.items() if path is None]
        if not missing:
            return (fmt, paths), []
        if len(paths) - len(missing) > best_present:
            best_present, best_missing = len(paths) - len(missing), missing
    return None, best_missing


def file_list(dataset: str, splits: tuple[str, ...]) -> str:
    """Return the files a dataset's splits need, e.g. ``"mnist.npz (or t10k-images-...)"``."""
    options = [", ".join(DATA_FILES[key].name for key in fmt.keys(splits))
               for fmt in FORMATS[dataset]]
    return options[0] + "".join(f" (or {option})" for option in options[1:])


# ---------------------------------------------------------------- reading and downloading
def read_files(dataset: str, found: Found, splits: tuple[str, ...]
               ) -> SplitArrays:
    """Verify every file against its checksum, then return ``{split: (images, labels)}``."""
    fmt, paths = found
    for key, path in paths.items():
        DATA_FILES[key].verify(path)
    per_split = {split: tuple(paths[key] for key in getattr(fmt, split)) for split in splits}
    arrays = READERS[fmt.reader](per_split)
    for split, (images, labels) in arrays.items():
        if len(images) != len(labels):
            raise ValueError(f"{dataset}'s {split} files hold {len(images)} images but "
                             f"{len(labels)} labels: {', '.join(map(str, per_split[split]))}.")
    return arrays


def download_files(dataset: str, root: Path, splits: tuple[str, ...]) -> None:
    """Download the files of the first downloadable format that ``root`` lacks."""
    fmt = next(f for f in FORMATS[dataset] if all(DATA_FILES[k].url for k in f.keys(splits)))
    for key in fmt.keys(splits):
        if find_file(key, root, dataset) is None:
            spec = DATA_FILES[key]
            fetch(spec, root / spec.cache_subdir / spec.name)


def search_roots(data_dir: Path | None) -> list[Path]:
    """The folders searched for a dataset's files: ``data_dir`` alone when given; else
    ``COURSE_DATA_DIR`` (when set) and the Keras cache."""
    if data_dir is not None:
        return [data_dir]
    return [root for root in (mirror_dir(), keras_cache_dir()) if root is not None]


def read_local(dataset: str, splits: tuple[str, ...], data_dir: Path | None
               ) -> tuple[SplitArrays, Path] | None:
    """Read a dataset's files from the first folder of :func:`search_roots` that has them all.

    Returns:
        ``(arrays, folder)``, or ``None`` when no folder has them.

    Raises:
        ValueError: when a file found does not match its published checksum.
    """
    for root in search_roots(data_dir):
        found, _ = search(dataset, root, splits)
        if found:
            return read_files(dataset, found, splits), root
    return None


def download_and_read(dataset: str, splits: tuple[str, ...], data_dir: Path | None
                      ) -> tuple[SplitArrays | None, Path | str]:
    """Download a dataset's missing files (into ``data_dir``, else the Keras cache), read them.

    Returns:
        ``(arrays, folder)``, or ``(None, reason)`` when the download failed.

    Raises:
        ValueError: when a downloaded file does not match its published checksum.
    """
    target = data_dir if data_dir is not None else keras_cache_dir()
    try:
        download_files(dataset, target, splits)
    except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
        return None, f"the download failed: {exc}"
    found, _ = search(dataset, target, splits)
    return read_files(dataset, found, splits), target
