"""Published data files: their checksums, and a download that is verified and atomic.

A :class:`PublishedFile` records where a file is published and its checksums. :func:`fetch`
streams it to a temporary file, verifies it and only then moves it into place, so an
interrupted or corrupt download never leaves a file under the final name. The module
attribute :data:`urlopen` opens URLs (tests replace it).

Example:
    >>> spec = PublishedFile("mnist.npz", url="https://example.org/mnist.npz",
    ...                      sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1")
    >>> fetch(spec, "/tmp/data/mnist.npz")                     # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from helpers.data.idx import gunzip_if_compressed

__all__ = ["PublishedFile", "fetch", "file_digest", "urlopen"]

#: The function that opens a URL (``urllib.request.urlopen``); tests replace it.
urlopen = urllib.request.urlopen

CHUNK_BYTES = 1 << 20
TIMEOUT_SECONDS = 60.0


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Return the hex digest of a file (``algorithm``: a :mod:`hashlib` name such as "md5")."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class PublishedFile:
    """A data file as published, with the checksums that identify it.

    Attributes:
        name: the file's published name, e.g. ``"train-images-idx3-ubyte.gz"``.
        url: where it is downloaded from (``None``: found in a mirror or cache only).
        sha256: SHA-256 of the file's bytes, when published.
        md5: MD5 of the file's bytes, when published.
        content_md5: MD5 of the decompressed content (IDX files): a re-compressed or
            uncompressed copy of the same data is accepted too.
        aliases: other names the same bytes have (e.g. in the Keras cache, or uncompressed).
        cache_subdir: the folder Keras keeps it in, under ``~/.keras/datasets``.
    """

    name: str
    url: str | None = None
    sha256: str | None = None
    md5: str | None = None
    content_md5: str | None = None
    aliases: tuple[str, ...] = field(default=())
    cache_subdir: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the file may have in a folder, the published one first."""
        return (self.name, *self.aliases)

    def verify(self, path: str | os.PathLike, *, what: str | None = None,
               advice: str | None = None) -> None:
        """Check ``path`` against the published checksums (any one matching is enough).

        Args:
            path: the file to check.
            what: how to call it in the error (default: its path).
            advice: what the user should do, for the error (default: delete or replace it).

        Raises:
            ValueError: when no published checksum matches; the message names the file and
                says what to do.
        """
        checks = [(algorithm, expected) for algorithm, expected in
                  (("sha256", self.sha256), ("md5", self.md5)) if expected]
        found = []
        for algorithm, expected in checks:
            got = file_digest(path, algorithm)
            if got == expected:
                return
            found.append(f"{algorithm} {got} (published: {expected})")
        if self.content_md5:
            data = gunzip_if_compressed(Path(path).read_bytes(), name=str(path))
            got = hashlib.md5(data).hexdigest()
            if got == self.content_md5:
                return
            found.append(f"content md5 {got} (published: {self.content_md5})")
        if not found:
            return  # nothing published to check against
        advice = advice or (f"delete it (a fresh copy is downloaded on the next load) or "
                            f"replace it with a good copy of {self.name}")
        raise ValueError(f"{what or path} does not match the published {self.name}: "
                         f"{'; '.join(found)}. It is corrupt or incomplete and was not used; "
                         f"{advice}.")


def fetch(spec: PublishedFile, target: str | os.PathLike, *, url: str | None = None,
          timeout: float = TIMEOUT_SECONDS, verbose: bool = True) -> Path:
    """Download ``spec`` to ``target``: streamed, checksum-verified, then moved into place.

    Args:
        spec: the file to download (its ``url`` and checksums).
        target: final path; its folder is created if needed.
        url: download from here instead of ``spec.url``.
        timeout: seconds to wait for the server before giving up.
        verbose: print one line saying what is downloaded.

    Returns:
        ``target`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: when there is no URL, or the downloaded bytes do not match the checksum
            (nothing is saved).
        OSError: when the download fails or is interrupted (``urllib.error.URLError`` is an
            ``OSError``); no partial file is left behind.
    """
    url = url or spec.url
    if not url:
        raise ValueError(f"{spec.name} has no download URL; put a copy in a mirror folder.")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out, urlopen(url, timeout=timeout) as response:
            declared = response.headers.get("Content-Length")
            if verbose:
                size = f" ({int(declared) / 1e6:.1f} MB)" if declared else ""
                print(f"Downloading {spec.name}{size} from {url}")
            received = 0
            for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                out.write(chunk)
                received += len(chunk)
        if declared is not None and received != int(declared):
            raise OSError(f"The download of {url} was interrupted: received {received} of "
                          f"{declared} bytes.")
        spec.verify(temporary, what=f"The download of {url}",
                    advice="nothing was saved; try again later, or put a good copy in the "
                           "folder named by COURSE_DATA_DIR")
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return target
