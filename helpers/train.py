"""Training: seeds, the distribution strategy, mixed precision, and ``fit``.

Example:
    >>> from helpers.train import fit, get_strategy, set_seed
    >>> set_seed(42)                                              # doctest: +SKIP
    >>> with get_strategy().scope():                              # doctest: +SKIP
    ...     model = build_lenet5((32, 32, 1), 10)
    ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> history = fit(model, x_train, y_train, validation_data=(x_test, y_test))  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import os
import random
import warnings
from typing import Any

import numpy as np

from helpers import devices
from helpers._checks import check_choice, check_int
from helpers.profiles import current_settings

__all__ = ["fit", "get_strategy", "set_seed", "use_mixed_precision"]

#: Steps run inside one call of the compiled training function (one Python round trip).
STEPS_PER_EXECUTION = 32
#: Shuffle buffer for a ``tf.data.Dataset`` of unknown or large size (arrays shuffle fully).
SHUFFLE_BUFFER = 10_000

_POSITIVE, _NON_NEGATIVE = "a positive int", "a non-negative int"  # wording of the errors


def _has_gpu() -> bool:
    import tensorflow as tf

    # Unlike list_logical_devices, this leaves logical devices configurable.
    return bool(tf.config.list_physical_devices("GPU"))


def set_seed(seed: int, *, deterministic_ops: bool | None = None) -> None:
    """Seed Python, NumPy, TensorFlow and Keras, and make TensorFlow's ops deterministic.

    Op determinism (``tf.config.experimental.enable_op_determinism``) is process-wide and
    cannot be switched off again; while it is on, Keras turns ``jit_compile`` (XLA) off. On a
    GPU it is left off by default: there some ops lack a deterministic kernel and raise
    ``UnimplementedError``.

    Args:
        seed: a non-negative int.
        deterministic_ops: ``True`` enables op determinism, ``False`` leaves it as it is,
            ``None`` enables it only when no GPU is visible.

    Raises:
        ValueError: when ``seed`` is not a non-negative int, or ``deterministic_ops`` is not
            None, True or False.

    Example:
        >>> from helpers.train import set_seed
        >>> set_seed(42)
    """
    seed = check_int(seed, param="seed", owner="set_seed", minimum=0, allowed=_NON_NEGATIVE)
    check_choice(deterministic_ops, param="deterministic_ops", owner="set_seed",
                 allowed=(None, True, False))
    import keras
    import tensorflow as tf

    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)  # Python, NumPy, TensorFlow and Keras' seed generator
    if deterministic_ops is None:
        deterministic_ops = not _has_gpu()
    if deterministic_ops:
        tf.config.experimental.enable_op_determinism()


def _cluster_position() -> tuple[int, int] | None:
    """``(this worker's index, number of workers)`` from ``TF_CONFIG``, or ``None`` when it
    describes no cluster of several workers (a ``chief`` counts as worker 0)."""
    text = os.environ.get("TF_CONFIG", "").strip()
    if not text:
        return None
    example = ('{"cluster": {"worker": ["host1:2222", "host2:2222"]}, '
               '"task": {"type": "worker", "index": 0}}')
    try:
        config = json.loads(text)
    except json.JSONDecodeError:
        config = None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ValueError("The TF_CONFIG environment variable of get_strategy must be JSON "
                         f"with a 'cluster' and a 'task', like {example}; got {text[:200]!r}.")
    chiefs, workers = list(cluster.get("chief", [])), list(cluster.get("worker", []))
    if len(chiefs) + len(workers) < 2:
        return None
    kind, index = task.get("type"), task.get("index", 0)
    roles = {"chief": chiefs, "worker": workers}
    if kind not in roles or not isinstance(index, int) or not 0 <= index < len(roles[kind]):
        raise ValueError("The 'task' of the TF_CONFIG environment variable of get_strategy "
                         "must name one of the cluster's workers ('type' 'chief' or 'worker', "
                         f"'index' from 0); got {task!r} for the cluster {cluster!r}.")
    return index + (len(chiefs) if kind == "worker" else 0), len(chiefs) + len(workers)


def _multi_worker_strategy() -> Any:
    """A ``MultiWorkerMirroredStrategy`` whose ``reduce`` takes what Keras 3's ``fit`` passes.

    Keras 3.15's ``fit`` reduces a nest (the first batch, a tuple ``(x, y)``) and scalars
    along ``axis=0`` (the logs); TensorFlow's collective strategy takes neither
    (keras-team/keras#20585). Here each leaf of the nest is reduced alone, a scalar across
    replicas only, which is what Keras means.
    """
    import tensorflow as tf

    class MultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
        def reduce(self, reduce_op: Any, value: Any, axis: int | None = None) -> Any:
            reduce_one = super().reduce

            def reduce_leaf(leaf: Any) -> Any:
                rank = self.experimental_local_results(leaf)[0].shape.rank
                return reduce_one(reduce_op, leaf, None if rank == 0 else axis)

            return tf.nest.map_structure(reduce_leaf, value)

    try:
        return MultiWorkerMirroredStrategy()
    except RuntimeError as error:  # "Collective ops must be configured at program startup"
        raise RuntimeError("get_strategy() must run before anything else uses TensorFlow when "
                           "TF_CONFIG describes a cluster (collective operations are set up "
                           "when TensorFlow starts): call it first, before helpers.setup() "
                           f"and before building any model. TensorFlow said: {error}") from None


@functools.cache
def get_strategy() -> Any:
    """Return the ``tf.distribute`` strategy for this machine, chosen once, said in one line.

    A ``TF_CONFIG`` environment variable that describes a cluster of several workers gives
    ``MultiWorkerMirroredStrategy``: every worker runs the same script with its own
    ``TF_CONFIG`` (the same ``cluster``, its own ``task``), holds a copy of the model, trains
    on its share of every batch (``fit`` shards a dataset by data) and adds its gradients to
    the others' at each step, so all workers end with the same weights. Call it before
    anything else runs TensorFlow (``helpers.setup()`` included): collective operations are
    configured at start-up. Otherwise a TPU gives ``TPUStrategy``, more than one GPU
    ``MirroredStrategy``, else TensorFlow's default strategy (one device). Build and compile
    the model inside ``get_strategy().scope()``; Keras' ``fit`` then splits every batch
    across the replicas.

    Returns:
        The ``tf.distribute.Strategy`` (the same object on every call).

    Raises:
        ValueError: when ``TF_CONFIG`` is not JSON with a ``cluster`` and a ``task``, or its
            ``task`` is not one of the cluster's workers.
        RuntimeError: when ``TF_CONFIG`` describes a cluster but TensorFlow already started.

    Example:
        >>> from helpers.train import get_strategy
        >>> strategy = get_strategy()                 # doctest: +SKIP
        Strategy: default (one device: CPU)
        >>> # with TF_CONFIG='{"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]},
        >>> #                  "task": {"type": "worker", "index": 0}}' on the first machine:
        >>> strategy = get_strategy()                 # doctest: +SKIP
        Strategy: MultiWorkerMirroredStrategy, worker 0 of 2
    """
    position = _cluster_position()
    import tensorflow as tf

    if position is not None:
        strategy = _multi_worker_strategy()
        what = f"MultiWorkerMirroredStrategy, worker {position[0]} of {position[1]}"
    elif devices.accelerator_kind() == "TPU":
        # A TPU node is reached over gRPC (TPU_NAME, or COLAB_TPU_ADDR on old Colab
        # runtimes); a TPU VM has its cores attached locally.
        colab = os.environ.get("COLAB_TPU_ADDR")
        address = os.environ.get("TPU_NAME") or (f"grpc://{colab}" if colab else None)
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address or "local")
        if address:
            tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
        strategy = tf.distribute.TPUStrategy(resolver)
        what = f"TPUStrategy over {strategy.num_replicas_in_sync} TPU cores"
    elif len(tf.config.list_logical_devices("GPU")) > 1:
        strategy = tf.distribute.MirroredStrategy()
        what = f"MirroredStrategy over {strategy.num_replicas_in_sync} GPUs"
    else:
        strategy = tf.distribute.get_strategy()
        device = "GPU" if tf.config.list_logical_devices("GPU") else "CPU"
        what = f"default (one device: {device})"
    print(f"Strategy: {what}")
    return strategy


def _gpus_gain_from_float16() -> bool:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    capabilities = [tf.config.experimental.get_device_details(gpu).get("compute_capability")
                    for gpu in gpus]
    return bool(gpus) and all(c is not None and tuple(c) >= (7, 0) for c in capabilities)


def use_mixed_precision() -> str:
    """Compute in 16-bit floats where the hardware has 16-bit units; return the policy in force.

    GPUs with compute capability 7.0 or more (Tensor Cores) get ``"mixed_float16"``, TPUs
    ``"mixed_bfloat16"``; elsewhere Keras' policy is left as it is (``"float32"`` by default).
    Layers take their policy when they are created, so call this before building the model.

    Returns:
        The name of Keras' dtype policy now in force.

    Example:
        >>> from helpers.train import use_mixed_precision
        >>> use_mixed_precision()                     # doctest: +SKIP
        'float32'
    """
    import keras

    kind = devices.accelerator_kind()
    if kind == "TPU":
        keras.config.set_dtype_policy("mixed_bfloat16")
    elif kind == "GPU" and _gpus_gain_from_float16():
        keras.config.set_dtype_policy("mixed_float16")
    return keras.config.dtype_policy().name


def _is_dataset(value: Any) -> bool:
    import tensorflow as tf

    return isinstance(value, tf.data.Dataset)


def _arrays(x: Any, y: Any, sample_weight: Any, name: str) -> tuple[tuple, int]:
    """Validate ``(x, y[, sample_weight])`` given as arrays; return them and their length."""
    import tensorflow as tf

    if y is None:
        raise ValueError(f"The 'y' parameter of fit is required when {name!r} holds arrays; "
                         "got None. Pass the labels, or a tf.data.Dataset of (x, y) pairs.")
    parts = (x, y) if sample_weight is None else (x, y, sample_weight)
    parts = tuple(tf.nest.map_structure(np.asarray, part) for part in parts)
    lengths = {label: [len(a) if a.ndim else 0 for a in tf.nest.flatten(part)]
               for label, part in zip(("x", "y", "sample_weight"), parts)}
    counts = {count for found in lengths.values() for count in found}
    if len(counts) != 1:
        raise ValueError(f"The arrays passed to fit as {name!r} must have the same number of "
                         f"examples; got lengths {lengths}.")
    if counts == {0}:
        raise ValueError(f"The arrays passed to fit as {name!r} hold no examples.")
    return parts, counts.pop()


def _array_pipeline(parts: tuple, count: int, batch_size: int, *, shuffle: bool,
                    seed: int) -> Any:
    """Batches of ``parts`` gathered by (reshuffled) indices: one copy of the data in memory."""
    import tensorflow as tf

    tensors = tuple(tf.nest.map_structure(tf.convert_to_tensor, part) for part in parts)
    order = tf.data.Dataset.range(count)
    if shuffle:
        order = order.shuffle(count, seed=seed, reshuffle_each_iteration=True)
    batches = tf.data.Dataset.zip((order.batch(batch_size),
                                   tf.data.Dataset.from_tensors(tensors).repeat()))

    def gather(indices: Any, data: tuple) -> tuple:
        return tf.nest.map_structure(lambda t: tf.gather(t, indices), data)

    return _with_options(batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE))


def _dataset_pipeline(dataset: Any, model: Any, batch_size: int, *, name: str,
                      shuffle: bool, seed: int, cache: bool) -> Any:
    """Cache, reshuffle each epoch, batch and prefetch a dataset of single examples."""
    import tensorflow as tf

    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) not in (2, 3):
        raise ValueError(f"The {name!r} parameter of fit must be a tf.data.Dataset of "
                         f"(x, y) or (x, y, sample_weight) tuples; got elements {spec}.")
    inputs = getattr(model, "inputs", None)
    if inputs and len(tf.nest.flatten(spec[0])) == len(inputs):
        example, model_input = tf.nest.flatten(spec[0])[0], inputs[0]
        if example.shape.rank == len(model_input.shape):
            raise ValueError(
                f"The {name!r} parameter of fit must hold single examples, but its elements "
                f"have shape {example.shape}, like the model's batched input "
                f"{tuple(model_input.shape)}: it is already batched. fit batches by itself: "
                "pass dataset.unbatch(), or call model.fit(dataset) directly.")
    if cache:
        dataset = dataset.cache()
    if shuffle:
        size = int(dataset.cardinality())
        buffer = size if 0 < size <= SHUFFLE_BUFFER else SHUFFLE_BUFFER
        dataset = dataset.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    return _with_options(dataset.batch(batch_size))


def _with_options(dataset: Any) -> Any:
    import tensorflow as tf

    options = tf.data.Options()
    # Shard by data (not by file) when a multi-worker strategy distributes the dataset.
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA)
    return dataset.with_options(options).prefetch(tf.data.AUTOTUNE)


def fit(model: Any, x: Any, y: Any = None, *, validation_data: Any = None,
        epochs: int | None = None, batch_size: int | None = None, shuffle: bool = True,
        seed: int | None = None, steps_per_execution: int | None = None, cache: bool = True,
        **fit_kwargs: Any) -> Any:
    """Train a compiled Keras model over a ``tf.data`` pipeline; return its ``History``.

    Arrays are fed as batches gathered by indices reshuffled every epoch; a
    ``tf.data.Dataset`` of single ``(x, y)`` examples is cached, reshuffled every epoch,
    batched and prefetched. Both shuffles are seeded, so on a CPU two runs after
    ``set_seed(s)`` with the same ``seed`` give identical weights. ``fit`` sets the model's
    own ``steps_per_execution`` and leaves it set (the next ``evaluate`` reuses it); callbacks
    and the progress bar then update every that many steps. Under
    ``get_strategy().scope()`` Keras distributes the batches over the replicas.

    Args:
        model: a Keras model on which ``compile`` was called.
        x: an array (or a dict/list of arrays for several inputs), or a
            ``tf.data.Dataset`` of ``(x, y)`` or ``(x, y, sample_weight)`` single examples.
        y: the labels when ``x`` holds arrays; ``None`` for a dataset.
        validation_data: ``(x_val, y_val)`` or a dataset of single examples.
        epochs: passes over the data; the profile's ``epochs`` when ``None``.
        batch_size: examples per step (the global batch under a strategy); the profile's
            ``batch_size`` when ``None``.
        shuffle: reshuffle the training examples every epoch.
        seed: seed of the shuffle order; the profile's ``seed`` when ``None``.
        steps_per_execution: batches per compiled call (at most one epoch's); ``None``
            keeps the model's own setting when it is above 1, else ``STEPS_PER_EXECUTION``
            (1 under a MirroredStrategy off TPU, which fails with more).
        cache: keep a dataset's examples in memory after the first epoch (set it to
            ``False`` for a dataset larger than memory); arrays are never copied.
        **fit_kwargs: passed to ``model.fit`` (``verbose``, ``callbacks``, ``sample_weight``,
            ``validation_split``, ...).

    Returns:
        The ``keras.callbacks.History`` of the run.

    Raises:
        TypeError: when ``model`` is not a Keras model or ``validation_data`` has an
            unsupported type.
        ValueError: when the model is not compiled, ``epochs``/``batch_size`` are not
            positive ints, ``y`` is missing for arrays (or given with a dataset), the
            arrays' lengths differ, or a dataset is already batched.

    Example:
        >>> history = fit(model, x_train, y_train, epochs=3, batch_size=64)  # doctest: +SKIP
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"The 'model' parameter of fit must be a keras.Model; "
                        f"got {type(model).__name__}.")
    if not model.compiled:
        raise ValueError("The 'model' parameter of fit must be compiled first: call "
                         "model.compile(optimizer, loss, metrics=...) before fit.")
    settings = current_settings()
    epochs = check_int(settings.epochs if epochs is None else epochs, param="epochs",
                       owner="fit", allowed=_POSITIVE)
    batch_size = check_int(settings.batch_size if batch_size is None else batch_size,
                           param="batch_size", owner="fit", allowed=_POSITIVE)
    seed = check_int(settings.seed if seed is None else seed, param="seed", owner="fit",
                     minimum=0, allowed=_NON_NEGATIVE)
    if steps_per_execution is None:
        steps_per_execution = max(model.steps_per_execution, 1)
        if steps_per_execution == 1 and not _replicated_off_tpu(model):
            steps_per_execution = STEPS_PER_EXECUTION
    steps_per_execution = check_int(steps_per_execution, param="steps_per_execution",
                                    owner="fit", allowed=_POSITIVE)
    sample_weight = fit_kwargs.pop("sample_weight", None)
    validation_split = fit_kwargs.pop("validation_split", 0.0)
    validation_batch_size = check_int(fit_kwargs.pop("validation_batch_size", None)
                                      or batch_size, param="validation_batch_size",
                                      owner="fit", allowed=_POSITIVE)
    if _is_dataset(x):
        for name, value in (("y", y), ("sample_weight", sample_weight),
                            ("validation_split", validation_split or None)):
            if value is not None:
                raise ValueError(f"The {name!r} parameter of fit must be left out when 'x' "
                                 "is a tf.data.Dataset (its elements hold labels and "
                                 f"weights); got {type(value).__name__}.")
        train = _dataset_pipeline(x, model, batch_size, name="x", shuffle=shuffle, seed=seed,
                                  cache=cache)
    else:
        parts, count = _arrays(x, y, sample_weight, "x")
        if not 0.0 <= validation_split < 1.0:
            raise ValueError("The 'validation_split' parameter of fit must be in [0, 1); "
                             f"got {validation_split!r}.")
        if validation_split and validation_data is None:
            # Like Keras: the last fraction of the arrays, taken before shuffling.
            import tensorflow as tf

            cut = int(count * (1.0 - validation_split))
            if not 0 < cut < count:
                raise ValueError(f"The 'validation_split' parameter of fit ({validation_split}"
                                 f") leaves no training or no validation example of {count}.")
            validation_data = tuple(tf.nest.map_structure(lambda a: a[cut:], p) for p in parts)
            parts, count = tuple(tf.nest.map_structure(lambda a: a[:cut], p) for p in parts), cut
        train = _array_pipeline(parts, count, batch_size, shuffle=shuffle, seed=seed)
    validation = _validation_pipeline(validation_data, model, validation_batch_size, cache)

    if model.dtype_policy.name.startswith("mixed"):
        if devices.accelerator_kind() == "CPU":
            warnings.warn(f"The model computes in {model.dtype_policy.name!r}, which is slower "
                          "than 'float32' on a CPU; build it with the float32 policy.",
                          stacklevel=2)
    batches = int(train.cardinality())
    if batches > 0:  # more steps per call than an epoch has would overshoot the progress bar
        steps_per_execution = min(steps_per_execution, batches)
    if model.steps_per_execution != steps_per_execution:
        # Keras' public attribute, as compile(steps_per_execution=...) sets it; the functions
        # traced with the old value are dropped and traced again on first use.
        model.steps_per_execution = steps_per_execution
        model.train_function = model.test_function = model.predict_function = None
    return model.fit(train, validation_data=validation, epochs=epochs, shuffle=False,
                     **fit_kwargs)


def _replicated_off_tpu(model: Any) -> bool:
    """Whether the model is replicated by a strategy other than a TPU's: Keras then fails
    with several steps per call ("You must feed a value for placeholder tensor")."""
    import tensorflow as tf

    strategy = model.distribute_strategy
    return strategy.num_replicas_in_sync > 1 and not isinstance(
        strategy, tf.distribute.TPUStrategy)


def _validation_pipeline(validation_data: Any, model: Any, batch_size: int,
                         cache: bool) -> Any:
    if validation_data is None:
        return None
    if _is_dataset(validation_data):
        return _dataset_pipeline(validation_data, model, batch_size, name="validation_data",
                                 shuffle=False, seed=0, cache=cache)
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise TypeError("The 'validation_data' parameter of fit must be a tuple (x_val, "
                        "y_val[, sample_weight]) or a tf.data.Dataset; got "
                        f"{type(validation_data).__name__}.")
    parts, count = _arrays(*validation_data[:2], validation_data[2] if len(
        validation_data) == 3 else None, "validation_data")
    return _array_pipeline(parts, count, batch_size, shuffle=False, seed=0)
