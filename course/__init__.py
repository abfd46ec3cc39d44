"""The instructor's side of the course: ``course new``, ``release``, ``grade``, ``feedback``,
``export``, ``check`` and ``build`` (see ``course/README.md`` for the map)."""
