"""Hygiene and Colab readiness of every committed notebook, the outline, and pre-commit.

* every notebook in lectures/, solutions/ and assignments/ is valid and committed without
  outputs or execution counts;
* its first cell holds the "Open in Colab" badge built from ``[tool.course]`` in
  pyproject.toml for its own path (a solution's badge is the one of the student version it
  releases, as ``course release`` writes it), and its second cell is the setup cell;
* the setup cell installs the course package only inside Colab;
* lectures/ and ``course.site.outline`` list the same notebooks, every outline topic is a heading
  of its notebook, and the outline covers every deck and every topic of
  ``../shared/slides/README.md``;
* ``.pre-commit-config.yaml`` is valid and its hooks really lint and strip outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
import yaml

from course import colab
from course.release import expected_badge, expected_setup
from course.site import outline

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FOLDERS = ("lectures", "solutions", "assignments")
NOTEBOOKS = sorted(path.relative_to(ROOT) for folder in FOLDERS
                   for path in (ROOT / folder).rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in path.parts)
LECTURE_FILES = sorted(path.name for path in (ROOT / "lectures").glob("*.ipynb"))
OUTLINE_FILES = [lecture.notebook for lecture in outline.LECTURES]
BADGE_LINK = re.compile(r"\[!\[Open In Colab\]\((?P<image>[^)]*)\)\]\((?P<url>[^)]*)\)")


def configured_repository() -> tuple[str, str]:
    """(owner/name, branch), read from pyproject.toml here, not through course.colab."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["course"]
    return config["repository"].removeprefix("https://github.com/").strip("/"), config["branch"]


def headings(notebook) -> list[str]:
    return [line.lstrip("#").strip() for cell in notebook.cells if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith("#")]


def test_there_are_notebooks_in_each_folder() -> None:
    assert {path.parts[0] for path in NOTEBOOKS} == set(FOLDERS)


@pytest.mark.parametrize("relative", NOTEBOOKS, ids=str)
def test_notebook_is_committed_clean(relative: Path) -> None:
    notebook = nbformat.read(ROOT / relative, as_version=4)
    nbformat.validate(notebook)
    dirty = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
             and (cell.outputs or cell.execution_count is not None)]
    assert not dirty, (f"{relative}: cells {dirty} have outputs or execution counts; run "
                       f"`jupyter nbconvert --clear-output --inplace {relative}`")


@pytest.mark.parametrize("relative", NOTEBOOKS, ids=str)
def test_notebook_starts_with_badge_and_setup_cell(relative: Path) -> None:
    notebook = nbformat.read(ROOT / relative, as_version=4)
    first, second = notebook.cells[0], notebook.cells[1]
    assert first.cell_type == "markdown" and first.source.startswith("# ")  # title first
    badges = BADGE_LINK.findall(first.source)
    assert len(badges) == 1, f"{relative}: the first cell needs exactly one Colab badge"
    if relative.parts[0] == "solutions":  # its badge opens the student version it releases
        target = Path("assignments", *relative.parts[1:])
        assert BADGE_LINK.search(first.source)[0] == expected_badge(relative.parts[1],
                                                                    relative.name)
    else:
        target = relative
        assert BADGE_LINK.search(first.source)[0] == colab.badge_markdown(relative)
    # Colab's documented form: colab.research.google.com/github/OWNER/REPO/blob/BRANCH/PATH
    repository, branch = configured_repository()
    assert badges[0][1] == (f"https://colab.research.google.com/github/{repository}/blob/"
                            f"{branch}/{target.as_posix()}")
    assert (ROOT / target).is_file()

    assert second.cell_type == "code"
    if relative.parts[0] == "lectures":
        assert second.source == colab.setup_cell_source()
    else:
        assert second.source == expected_setup(second.source)


@pytest.mark.parametrize("name", sorted(set(LECTURE_FILES) | set(OUTLINE_FILES)))
def test_lectures_and_outline_list_the_same_notebooks(name: str) -> None:
    assert name in OUTLINE_FILES, f"lectures/{name} is not in course/site/outline.py"
    assert name in LECTURE_FILES, f"course/site/outline.py lists lectures/{name}, which does not exist"


@pytest.mark.parametrize("lecture", outline.LECTURES, ids=lambda lecture: lecture.notebook)
def test_every_outline_topic_is_a_heading_of_its_notebook(lecture: outline.Lecture) -> None:
    path = ROOT / "lectures" / lecture.notebook
    if not path.is_file():
        pytest.skip(f"lectures/{lecture.notebook} is not written yet (the test above fails)")
    found = [heading.casefold() for heading in headings(nbformat.read(path, as_version=4))]
    missing = [topic for topic in lecture.topics
               if not any(topic.casefold() in heading for heading in found)]
    assert not missing, f"{lecture.notebook} has no heading for {missing}"
    assert lecture.decks and set(lecture.decks) <= set(outline.DECKS)


@pytest.mark.parametrize("name", LECTURE_FILES)
def test_every_lecture_tags_a_key_result_for_the_course_site(name: str) -> None:
    """``course build`` shows the outputs of cells tagged ``key-result`` on build/index.html."""
    from course.site.worker import KEY_RESULT_TAG

    notebook = nbformat.read(ROOT / "lectures" / name, as_version=4)
    tagged = [cell for cell in notebook.cells if cell.cell_type == "code"
              and KEY_RESULT_TAG in cell.metadata.get("tags", [])]
    assert tagged, f"lectures/{name} tags no code cell '{KEY_RESULT_TAG}'"


# Every topic the slides' README lists for a deck (its "main topics" column, split at the
# top-level ";" and ","), mapped to the outline topics that teach it.
README_TOPICS: dict[str, dict[str, tuple[str, ...]]] = {
    "000": {
        "recap of conv layers and a typical Keras CNN": ("Typical CNN",),
        "AlexNet table (227×227, LRN, augmentation)": ("AlexNet", "Local response normalization",
                                                       "Data augmentation"),
        "GoogLeNet/Inception and 1×1 convs": ("GoogLeNet", "Inception module", "1x1 convolutions"),
        "VGG": ("VGG",),
        "ResNet residual units": ("Residual",),
        "Xception depthwise-separable convs": ("Xception",),
        "pretrained models from keras.applications": ("Pretrained models",),
        "fine-tuning (freeze, train head, unfreeze)": ("Fine-tuning",),
        "classification + localisation (MSE on boxes, IoU)": ("Classification and localization",
                                                              "IoU"),
        ("object detection (sliding windows, objectness, non-max suppression, YOLO, "
         "Faster R-CNN)"): ("Sliding windows", "Non-max suppression", "YOLO", "R-CNN"),
        "fully convolutional networks": ("Fully convolutional",),
        "autoencoders (bottleneck, stacked, denoising with GaussianNoise/Dropout)": (
            "Representation learning", "Stacked autoencoder", "Denoising"),
        "VAEs": ("Variational autoencoder",),
        "GANs": ("GAN",),
    },
    "001": {
        # the deck's opening slides: classification, retrieval, detection, segmentation
        "applications": ("Classification and localization", "Fully convolutional"),
        "visual cortex": ("The visual cortex",),
        "conv layers": ("Filters",),
        "receptive fields": ("Receptive field",),
        "filters": ("Filters",),
        "stride": ("Stride",),
        "zero padding": ("Zero padding",),
        ("memory and compute of a conv layer (225 million multiplications, 11.4 MB per "
         "instance, 1 GB per batch of 100)"): ("Memory and compute",),
        "pooling": ("Pooling",),
        "the X-vs-O toy example with exact feature-map numbers (0.77, -0.11, ...)": ("X vs O",),
        "ReLU": ("ReLU",),
        "max pooling": ("Pooling",),
        "fully connected votes": ("X vs O",),
        "the Fashion-MNIST CNN (“92% accuracy”)": ("Typical CNN",),
        "LeNet-5 table": ("LeNet-5",),
        "1×1 convolutions": ("1x1 convolutions",),
        "ImageNet winners": ("ImageNet winners",),
        "AlexNet table (224, SAME)": ("AlexNet",),
        "GoogLeNet inception module cost (854M ops naive vs 358M with 1×1 reductions)": (
            "Inception module",),
        "ResNet (skip connections, config)": ("Residual",),
        "Xception": ("Xception",),
        ("transfer learning with Keras (ResNet50 preprocessing, Xception base + "
         "GlobalAveragePooling + Dense, freeze then unfreeze)"): ("Preprocessing", "Fine-tuning"),
    },
    "002": {
        "neurons": ("ReLU",),
        "activations (sigmoid, tanh, ReLU)": ("ReLU",),
        "fully connected vs conv parameter counts": ("Convolution vs fully connected",),
        "edge detection with a [-1, 1] kernel": ("Edge detection",),
        "multi-channel convolution": ("Multi-channel convolution",),
        "max/avg pooling": ("Pooling",),
        "AlexNet": ("AlexNet",),
        "VGG": ("VGG",),
        "ResNet (152 layers, 3.57%)": ("Residual",),
        "batch normalisation algorithm": ("Batch normalization",),
        "dropout": ("Dropout",),
        "early stopping": ("Early stopping",),
        "learning rates and adaptive optimisers": ("Optimizers",),
        "CNN features off the shelf (VGG16)": ("Feature extraction",),
    },
    "003": {
        "accuracy and top-k error": ("Accuracy and top-k error",),
        "datasets (ImageNet, COCO, MNIST, Fashion-MNIST, CIFAR)": ("Datasets",),
        "softmax and categorical cross-entropy": ("Softmax", "Cross-entropy"),
        "LeNet (tanh)": ("LeNet-5",),
        "AlexNet": ("AlexNet",),
        "VGG and why 3×3 (receptive fields, 590k vs 1.6M params at C=256)": ("VGG", "Why 3x3"),
        "GoogLeNet cost (28×28×32×5×5×192 = 120,422,400 multiplications) and 1×1 reductions": (
            "GoogLeNet", "Inception module"),
        "deeply supervised nets": ("Deeply supervised",),
        "FitNets": ("Deeply supervised",),  # the deck's "DSNs, FitNets, Highway Nets" slide
        "highway networks": ("Highway networks",),
        "residual blocks (basic, bottleneck)": ("Residual",),
        "stochastic depth": ("Stochastic depth",),
        "DenseNet (growth rate)": ("DenseNet",),
        "ResNeXt (cardinality)": ("ResNeXt",),
        "Squeeze-and-Excitation": ("Squeeze-and-Excitation",),
        "NAS and DARTS": ("Neural architecture search",),
        "class activation mapping (CAM formulas)": ("Class activation map",),
        "dropout": ("Dropout",),
        "batch norm": ("Batch normalization",),
        "data augmentation": ("Data augmentation",),
        "transfer learning (when to extract features vs fine-tune)": ("When to fine-tune",
                                                                       "Feature extraction"),
    },
    "004": {
        "images as numbers": ("Images as numbers",),
        "classification pipeline": ("Images as numbers", "Softmax"),
        "MNIST": ("Datasets",),
        "CIFAR": ("Datasets",),
        "ImageNet": ("Datasets",),
        "Places": ("Datasets",),
        "conv layer on a 6×6 binary image with two 3×3 filters (stride 1 and 2)": ("Filters",
                                                                                    "Stride"),
        "32×32×3 input with 5×5×3 filters → 28×28×6": ("Multi-channel convolution",),
        "output sizes for 7×7 inputs with 3×3 filters at stride 1, 2, 3 (“doesn't fit”)": (
            "Output size",),
        "conv vs fully connected parameter counts": ("Convolution vs fully connected",),
        "max pooling (2×2, stride 2)": ("Pooling",),
        "flatten": ("Flatten",),
        "LeNet": ("LeNet-5",),
        "AlexNet (60M params, FC6 38M, FC7 17M, FC8 4M)": ("AlexNet",),
        "visualising filters": ("Filters and feature maps",),
        "ImageNet error by year": ("ImageNet winners",),
        "R-CNN": ("R-CNN",),
        "style transfer": ("Style transfer",),
        "Inception v3": ("Inception module",),
        "ResNet": ("Residual",),
        "U-Net": ("U-Net",),
        "V-Net": ("U-Net",),  # the 3-D U-Net of medical imaging
    },
}


def split_topics(text: str) -> list[str]:
    """Split at ";" and "," outside brackets, except a "," before a number ("1, 2, 3")."""
    topics, depth, current = [], 0, ""
    for position, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        before_number = text[position + 1:position + 3].strip()[:1].isdigit()
        if depth == 0 and (char == ";" or (char == "," and not before_number)):
            topics.append(current.strip())
            current = ""
        else:
            current += char
    return [topic for topic in [*topics, current.strip()] if topic]


def readme_topics(shared_dir: Path) -> dict[str, list[str]]:
    """Deck code -> its topics, parsed from the README's table."""
    found = {}
    for line in (shared_dir / "slides" / "README.md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| `(\d{3})_[0-9a-f]+\.txt` \| [^|]+ \| (.+) \|$", line)
        if match:
            found[match[1]] = split_topics(match[2])
    return found


def test_outline_covers_every_deck(shared_dir: Path) -> None:
    decks = {path.name[:3] for path in (shared_dir / "slides").glob("[0-9][0-9][0-9]_*.txt")}
    assert set(outline.DECKS) == decks
    assert {deck for lecture in outline.LECTURES for deck in lecture.decks} == decks


def test_outline_covers_every_topic_of_the_slides_readme(shared_dir: Path) -> None:
    readme = readme_topics(shared_dir)
    assert {deck: sorted(topics) for deck, topics in readme.items()} == {
        deck: sorted(topics) for deck, topics in README_TOPICS.items()}
    taught = {topic for lecture in outline.LECTURES for topic in lecture.topics}
    for deck, topics in README_TOPICS.items():
        for slide_topic, outline_topics in topics.items():
            assert set(outline_topics) <= taught, (deck, slide_topic)


def test_pre_commit_config_names_the_hooks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["ruff"]["entry"].startswith("ruff check")
    assert hooks["clear-notebook-outputs"]["entry"].startswith("jupyter nbconvert --clear-output")
    assert all(repo["repo"] == "local" for repo in config["repos"])  # nothing to download
    result = subprocess.run([BIN / "pre-commit", "validate-config", ".pre-commit-config.yaml"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hooks_strip_outputs_and_lint(tmp_path: Path) -> None:
    """The hooks, run by pre-commit in a scratch repository: a notebook with outputs is
    cleaned (and the run fails, as pre-commit does when a hook changes files), a clean
    one passes, and ruff reports an unused import."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "lectures").mkdir()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3, outputs=[
        nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=3)])
    dirty = tmp_path / "lectures" / "01_dirty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), dirty)
    (tmp_path / "good.py").write_text('"""A clean module."""\n\nVALUE = 1\n')
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "PRE_COMMIT_HOME": str(tmp_path / ".cache"), "GIT_CONFIG_GLOBAL": os.devnull}

    def run(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                              check=False, timeout=120)

    assert run("git", "init", "-q").returncode == 0
    run("git", "add", ".")
    first = run(str(BIN / "pre-commit"), "run", "--all-files")
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout
    cleaned = nbformat.read(dirty, as_version=4).cells[0]
    assert cleaned.outputs == [] and cleaned.execution_count is None
    second = run(str(BIN / "pre-commit"), "run", "--all-files")
    assert second.returncode == 0, second.stdout + second.stderr

    (tmp_path / "bad.py").write_text("import os\n")
    run("git", "add", "bad.py")
    third = run(str(BIN / "pre-commit"), "run", "--all-files")
    assert third.returncode == 1 and "F401" in third.stdout
