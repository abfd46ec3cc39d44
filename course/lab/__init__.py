"""Which JupyterLab a person gets, and the student's working copies.

``views`` (the student's and the instructor's configuration), ``workcopies`` (``work/``:
copies of ``lectures/`` and ``assignments/``, refreshed without overwriting a student's
change), ``formgrader_guard`` (a server extension that refuses formgrader's buttons that would
bypass the course's grading), ``launch`` (``course lab``).
"""
