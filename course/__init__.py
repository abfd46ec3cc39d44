"""The instructor's side of the course: ``course release``, ``grade``, ``feedback``,
``export``, ``check`` and ``build`` (see ``course/README.md`` for the map)."""
