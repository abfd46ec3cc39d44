"""The offline mirror (``COURSE_DATA_DIR``): what it holds, and its Keras files served to Keras.

A mirror laid out like ``../shared/data`` holds published dataset files, real subsets
(:mod:`helpers.data.subsets`) and, in ``keras-cache/models/``, files that ``keras.applications``
downloads (``KERAS_FILES``). :func:`serve_keras_files` hands those to Keras' own
``keras.utils.get_file`` with a ``file://`` origin and their SHA-256: Keras copies each into
its cache, where ``keras.applications.MobileNet(weights="imagenet")`` and
``decode_predictions`` look, and the mirror is only read. ``helpers.setup()`` calls it and
prints :func:`describe_data_source`.

Example:
    >>> serve_keras_files()                                    # doctest: +SKIP
    ['mobilenet_2_5_128_tf.h5', 'imagenet_class_index.json']
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

from helpers.data.downloads import PublishedFile
from helpers.data.files import DATA_FILES, ENV_VAR, FOLDERS, keras_cache_dir, mirror_dir, search
from helpers.data.subsets import SUBSETS, find_subset

__all__ = ["KERAS_FILES", "KERAS_FOLDER", "describe_data_source", "serve_keras_files"]

#: Where a mirror keeps Keras' files, relative to its root (Keras' ``cache_subdir="models"``).
KERAS_FOLDER = "keras-cache/models"
#: Keras' files a mirror may hold, with their SHA-256 and what they are.
KERAS_FILES = {
    "mobilenet_2_5_128_tf.h5": (
        "fe295db7f78635f1403127e3ba8cdc6237f83262bdb745063a67c1d81190c7f8",
        "ImageNet weights of MobileNet (alpha 0.25, 128 px)"),
    "imagenet_class_index.json": (
        "a1e7a966a1f601d39e4b43e119b3e7dd4a2ad3ea08cf69847cbaf021013767bc",
        "the ImageNet class index"),
}


def _mirror_keras_files(mirror: Path | None) -> dict[str, Path]:
    if mirror is None:
        return {}
    paths = {name: mirror / KERAS_FOLDER / name for name in KERAS_FILES}
    return {name: path for name, path in paths.items() if path.is_file()}


def serve_keras_files(mirror: str | os.PathLike | None = None, *,
                      cache_dir: str | os.PathLike | None = None) -> list[str]:
    """Copy the mirror's Keras files into Keras' cache, each checked against its SHA-256.

    Keras' own ``get_file`` does the copy (from a ``file://`` origin), so each file lands
    where Keras looks; a good copy already there is kept. The mirror is never written.

    Args:
        mirror: the mirror's root; ``None`` reads ``COURSE_DATA_DIR`` (nothing to do if unset).
        cache_dir: Keras' ``cache_dir``; ``None`` for Keras' own (``KERAS_HOME`` or
            ``~/.keras``).

    Returns:
        The names of the files served, e.g. ``["mobilenet_2_5_128_tf.h5"]``.

    Raises:
        ValueError: when a mirror file does not match its SHA-256 (the message names it).
        OSError: when Keras' cache cannot be written.

    Example:
        >>> serve_keras_files("/work/shared/data")              # doctest: +SKIP
        ['mobilenet_2_5_128_tf.h5', 'imagenet_class_index.json']
    """
    import keras

    found = _mirror_keras_files(mirror_dir() if mirror is None else Path(mirror))
    if found and cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)  # else Keras falls back to /tmp
    for name, path in found.items():
        sha256, _ = KERAS_FILES[name]
        PublishedFile(name, sha256=sha256).verify(
            path, advice="replace it with a good copy (the mirror's README lists each file's "
                         "SHA-256)")
        with contextlib.redirect_stdout(io.StringIO()):  # get_file prints "Downloading ..."
            keras.utils.get_file(name, origin=path.as_uri(), cache_subdir="models",
                                 file_hash=sha256, cache_dir=cache_dir)
    return list(found)


def describe_data_source(profile: str | None = None) -> str:
    """Return one line saying where real datasets (and Keras' files) come from.

    Args:
        profile: the resolved profile; ``"full"`` adds that real subsets are not used.

    Example:
        >>> describe_data_source()                 # doctest: +SKIP
        'Keras cache /root/.keras/datasets'
    """
    mirror = mirror_dir()
    if mirror is not None:
        if not mirror.is_dir():
            return f"{ENV_VAR}={mirror} (offline mirror; folder not found)"
        subsets = [SUBSETS[name].label for name in SUBSETS if find_subset(name, mirror)
                   and not search(name, mirror, ("train", "test"))[0]]
        weights = [KERAS_FILES[name][1] for name in _mirror_keras_files(mirror)]
        keras_files = f"; Keras files: {', '.join(weights)}" if weights else ""
        if not subsets:
            return f"{ENV_VAR}={mirror} (offline mirror{keras_files})"
        note = ("; the full profile does not use them: it needs the full sets"
                if profile == "full" else "")
        return f"real subsets from {mirror} ({'; '.join(subsets)}){note}{keras_files}"
    cache = keras_cache_dir()
    known = {name for spec in DATA_FILES.values() for name in spec.names}
    folders = [cache, *(cache / sub for subs in FOLDERS.values() for sub in subs)]
    if any((folder / name).is_file() for folder in folders for name in known):
        return f"Keras cache {cache}"
    return f"download (to the Keras cache {cache})"
