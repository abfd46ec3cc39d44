"""The mirror's Keras files (keras-cache/models in ../shared/data) served to Keras, read-only:
MobileNet's ImageNet weights and the class index that decode_predictions reads.

References: the bytes of the mirror's files, and what the mirror's README says the real
weights predict for scikit-learn's china.jpg ("stupa" / "bell_cote"). Tests that need the
mirror skip when ../shared/data is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from helpers.data import serve_keras_files
from helpers.data.mirror import KERAS_FILES, KERAS_FOLDER


def _state(folder):
    """Every file below ``folder`` with its size and modification time."""
    return {str(path): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}


def test_keras_files_are_copied_into_keras_cache_and_the_mirror_is_only_read(real_mirror,
                                                                            tmp_path):
    before = _state(real_mirror / "keras-cache")
    cache = tmp_path / "keras-home"
    assert serve_keras_files(real_mirror, cache_dir=cache) == list(KERAS_FILES)
    for name in KERAS_FILES:
        assert ((cache / "models" / name).read_bytes()
                == (real_mirror / KERAS_FOLDER / name).read_bytes())
    copies = _state(cache)
    assert serve_keras_files(real_mirror, cache_dir=cache) == list(KERAS_FILES)
    assert _state(cache) == copies                      # a good copy is kept as it is
    assert _state(real_mirror / "keras-cache") == before


def test_a_corrupted_keras_file_is_never_served(real_mirror, linked_mirror, tmp_path):
    root = linked_mirror()
    folder = root / KERAS_FOLDER
    folder.mkdir(parents=True)
    for name in KERAS_FILES:
        shutil.copyfile(real_mirror / KERAS_FOLDER / name, folder / name)
    data = bytearray((folder / "imagenet_class_index.json").read_bytes())
    data[100:104] = b"XXXX"
    (folder / "imagenet_class_index.json").write_bytes(bytes(data))
    cache = tmp_path / "keras-home"
    with pytest.raises(ValueError, match=r"keras-cache/models/imagenet_class_index.json does not "
                                         r"match the published imagenet_class_index.json: "
                                         r"sha256 .*replace it with a good copy"):
        serve_keras_files(root, cache_dir=cache)
    assert not (cache / "models" / "imagenet_class_index.json").exists()


def test_nothing_is_served_without_a_mirror(tmp_path, monkeypatch):
    assert serve_keras_files(cache_dir=tmp_path / "keras-home") == []   # COURSE_DATA_DIR unset
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path / "empty"))
    assert serve_keras_files(cache_dir=tmp_path / "keras-home") == []
    assert not (tmp_path / "keras-home").exists()


_OFFLINE_MOBILENET = textwrap.dedent("""
    import json, socket, sys

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    socket.socket.connect = refuse
    import helpers
    helpers.setup("fast")
    import keras
    import numpy as np
    from sklearn.datasets import load_sample_image
    try:
        model = keras.applications.MobileNet(alpha=0.25, input_shape=(128, 128, 3),
                                             weights="imagenet")
    except Exception as error:
        print(json.dumps({"error": str(error)}))
        sys.exit(0)
    image = keras.ops.image.resize(load_sample_image("china.jpg")[None].astype("float32"),
                                   (128, 128))
    scores = model.predict(keras.applications.mobilenet.preprocess_input(image), verbose=0)
    top5 = keras.applications.imagenet_utils.decode_predictions(scores, top=5)[0]
    print(json.dumps({"top5": [name for _, name, _ in top5]}))
""")


def _run_offline(tmp_path, mirror) -> tuple[dict, str]:
    env = {key: value for key, value in os.environ.items() if key != "COURSE_DATA_DIR"}
    env.update(KERAS_HOME=str(tmp_path / "keras-home"), HOME=str(tmp_path / "home"))
    if mirror is not None:
        env["COURSE_DATA_DIR"] = str(mirror)
    done = subprocess.run([sys.executable, "-c", _OFFLINE_MOBILENET], env=env, check=True,
                          capture_output=True, text=True, timeout=600)
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stdout


@pytest.mark.slow
def test_mobilenet_and_decode_predictions_work_offline_with_the_mirror(real_mirror, tmp_path):
    before = _state(real_mirror)
    result, out = _run_offline(tmp_path, real_mirror)
    assert {"stupa", "bell_cote"} <= set(result["top5"]), result   # the mirror README's check
    assert (f"\nData: real subsets from {real_mirror} (MNIST 20,000 train + official 10,000 "
            "test; Fashion-MNIST 2,100: 1,600 train / 500 test); Keras files: ImageNet weights "
            "of MobileNet (alpha 0.25, 128 px), the ImageNet class index\n") in out
    assert sorted(p.name for p in (tmp_path / "keras-home" / "models").iterdir()) == sorted(
        KERAS_FILES)
    assert _state(real_mirror) == before


@pytest.mark.slow
def test_without_the_mirror_keras_names_the_missing_weights_file(tmp_path):
    result, out = _run_offline(tmp_path, None)
    assert "mobilenet_2_5_128_tf.h5" in result["error"], result
    assert "\nData: download (to the Keras cache " in out
