"""The course outline: which lecture notebook teaches which topics of which slide deck.

The map covers every deck's topics (``../shared/slides/README.md``); a test checks that every
topic appears as a heading of its notebook and that every lecture is listed here.
``course build`` prints it in ``build/index.html``.

Example:
    >>> LECTURES[0].notebook, LECTURES[0].decks
    ('01_convolution_arithmetic.ipynb', ('001', '002', '004'))
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DECKS", "LECTURES", "Lecture"]

DECKS = {
    "000": "Applied ML 13: CNN architectures, applications, fine-tuning; autoencoders",
    "001": "Lecture 12: Convolutional Neural Networks",
    "002": "Advanced CNNs (Dive into Deep Learning ch. 7)",
    "003": "Neural Networks and Deep Learning: architectures for image classification",
    "004": "Machine Learning topic 15: Convolutional Neural Network",
}


@dataclass(frozen=True)
class Lecture:
    """One lecture notebook, its title, the slide decks it covers and their topics."""

    notebook: str
    title: str
    decks: tuple[str, ...]
    topics: tuple[str, ...]  # each appears (case-insensitively) in a heading of the notebook


LECTURES: tuple[Lecture, ...] = (
    Lecture("01_convolution_arithmetic.ipynb", "Convolution arithmetic", ("001", "002", "004"), (
        "Images as numbers", "The visual cortex", "Filters", "Stride", "Zero padding",
        "Output size", "Multi-channel convolution", "Edge detection",
        "Convolution vs fully connected", "Memory and compute", "Receptive field",
        "1x1 convolutions")),
    Lecture("02_cnn_building_blocks.ipynb", "CNN building blocks", ("001", "002", "003", "004"), (
        "Pooling", "ReLU", "Flatten", "Softmax", "Cross-entropy", "X vs O", "Typical CNN",
        "Batch normalization", "Dropout", "Data augmentation", "Early stopping",
        "Optimizers", "Accuracy and top-k error", "Datasets")),
    Lecture("03_classic_architectures.ipynb", "LeNet to GoogLeNet", ("000", "001", "003", "004"), (
        "LeNet-5", "AlexNet", "Local response normalization", "VGG", "Why 3x3",
        "GoogLeNet", "Inception module", "ImageNet winners")),
    Lecture("04_residual_and_beyond.ipynb", "ResNet and beyond", ("000", "001", "002", "003"), (
        "Deeply supervised", "Highway networks", "Residual", "Plain vs residual",
        "Stochastic depth", "Xception", "DenseNet", "ResNeXt", "Squeeze-and-Excitation",
        "Neural architecture search", "DARTS", "NAS by reinforcement learning", "Comparison",
        "Loss surfaces", "Why deep networks train")),
    Lecture("04b_architectures_compared.ipynb", "The architectures compared", ("001", "003", "004"),
            ("The architectures side by side", "Complexity vs. accuracy", "Ensembles", "FitNets")),
    Lecture("05_transfer_learning.ipynb", "Transfer learning", ("000", "001", "002", "003", "004"), (
        "Pretrained models", "Preprocessing", "Feature extraction", "Fine-tuning",
        "Transfer", "When to fine-tune", "Deployment")),
    Lecture("06_localization_and_detection.ipynb", "Localisation and detection", ("000", "004"), (
        "Classification and localization", "IoU", "Sliding windows", "Non-max suppression",
        "YOLO", "R-CNN")),
    Lecture("07_segmentation_and_insights.ipynb", "Segmentation and insights",
            ("000", "003", "004"), (
        "Fully convolutional", "U-Net", "Class activation map", "Filters and feature maps",
        "Style transfer")),
    Lecture("08_autoencoders.ipynb", "Autoencoders and generative models", ("000",), (
        "Representation learning", "Stacked autoencoder", "Convolutional autoencoder",
        "Denoising", "Latent space", "Variational autoencoder", "GAN")),
)
