"""Datasets for the course: real MNIST, Fashion-MNIST and CIFAR-10, and two stand-ins.

``load_dataset`` returns float32 images in [0, 1] with a channel axis and int64 labels. Real
datasets are read from the files Keras downloads, each verified against its published
checksum; the first place that has them wins:

1. ``data_dir``, when given: the only folder searched (missing files are downloaded into it);
2. the folder named by ``COURSE_DATA_DIR`` (an offline mirror; read, never written);
3. the Keras cache, ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``;
4. in the *fast* profile, a real subset in ``data_dir`` or the mirror (20,000 real MNIST
   training images with the official test set; 2,100 real Fashion-MNIST images), with one
   :class:`RealSubsetWarning`;
5. the download into the Keras cache (atomic: an interrupted one leaves no file).

Offline, the *fast* profile then returns a stand-in with one :class:`StandInWarning`
(scikit-learn's digits for MNIST and Fashion-MNIST, the procedural shapes for CIFAR-10); the
*full* profile raises an error naming the missing files and the fix. Every call is recorded
for ``course build``'s manifest (:mod:`helpers.data.provenance`).

Modules: ``datasets`` (``load_dataset``), ``files`` (where the files are), ``subsets`` (the
stratified ``n_train``/``n_test`` and the real subsets), ``mirror`` (the mirror's Keras
files and the data line), ``provenance`` (the record), ``readers`` (file formats), ``idx``
(the IDX format), ``downloads`` (verified downloads), ``digits`` and ``shapes`` (the
stand-ins).

Example:
    >>> from helpers.data import CLASS_NAMES, load_dataset
    >>> (x_train, y_train), _ = load_dataset("shapes", n_train=8, n_test=0)
    >>> x_train.shape, CLASS_NAMES["shapes"]
    ((8, 32, 32, 3), ('square', 'disc', 'triangle', 'X', 'O', 'plus'))
"""

from helpers.data.datasets import (
    CLASS_NAMES,
    DATASETS,
    STAND_INS,
    RealSubsetWarning,
    StandInWarning,
    load_dataset,
)
from helpers.data.files import DATA_FILES, ENV_VAR
from helpers.data.idx import read_idx
from helpers.data.mirror import describe_data_source, serve_keras_files
from helpers.data.provenance import record_weights
from helpers.data.shapes import MIN_IMAGE_SIZE, SHAPE_CLASSES, make_shapes
from helpers.data.subsets import SUBSETS

__all__ = [
    "CLASS_NAMES",
    "DATASETS",
    "DATA_FILES",
    "ENV_VAR",
    "MIN_IMAGE_SIZE",
    "SHAPE_CLASSES",
    "STAND_INS",
    "SUBSETS",
    "RealSubsetWarning",
    "StandInWarning",
    "describe_data_source",
    "load_dataset",
    "make_shapes",
    "read_idx",
    "record_weights",
    "serve_keras_files",
]
