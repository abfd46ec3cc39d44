"""Who a submission belongs to in the learning-management system (LMS) it came from.

A download from Canvas or Moodle names every file or folder after the student and the LMS's
own ids (:mod:`course.lms.canvas`, :mod:`course.lms.moodle`). Those ids are what the LMS
matches a grade import or a feedback upload on, so they travel with the student from the
download to ``grades.csv`` and to every export.

Example:
    >>> Identity("canvas", user_id="12345", submission_id="70001", late=True).columns()
    {'lms_user_id': '12345', 'submission_id': '70001', 'late': 'true'}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["IDENTITY_COLUMNS", "LMS_NAMES", "Identity"]

#: The LMSs whose downloads and imports ``course`` knows ("" is a plain folder).
LMS_NAMES = ("canvas", "moodle")
#: The identity's columns in ``grades.csv``, after the outcome's.
IDENTITY_COLUMNS = ("lms_user_id", "submission_id", "late")


@dataclass(frozen=True)
class Identity:
    """A student's ids in the LMS a submission was downloaded from.

    Args:
        lms: ``"canvas"``, ``"moodle"``, or ``""`` for a plain folder (no LMS ids).
        user_id: Canvas' user id; Moodle's participant id (its worksheet's "Participant N").
        submission_id: Canvas: the id of the uploaded file (the second number of the
            download's name, which Canvas' re-upload of feedback matches on); Moodle: "".
        late: whether the LMS marked the submission late (``None``: it does not say).
        name: the student's name as the download spells it (Canvas: ``smithjohn``, the
            sortable name without punctuation; Moodle: ``John Smith``).
        source: the file or folder of the download the student was found in.

    Example:
        >>> Identity("moodle", user_id="2001", name="John Smith").columns()["late"]
        ''
    """

    lms: str = ""
    user_id: str = ""
    submission_id: str = ""
    late: bool | None = None
    name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        if self.lms not in ("", *LMS_NAMES):
            raise ValueError(f"The 'lms' parameter of Identity must be one of "
                             f"{('', *LMS_NAMES)}; got {self.lms!r}.")

    def columns(self) -> dict[str, str]:
        """The identity's cells of ``grades.csv`` (:data:`IDENTITY_COLUMNS`)."""
        late = "" if self.late is None else str(self.late).lower()
        return {"lms_user_id": self.user_id, "submission_id": self.submission_id, "late": late}

    def to_json(self) -> dict[str, Any]:
        """The identity as JSON (for the workspace's record of a batch)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Identity:
        """The identity :meth:`to_json` wrote (unknown keys are ignored).

        Raises:
            ValueError: when ``lms`` is not a known LMS.
        """
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)
