"""Writing an assignment: the rules of a master notebook (:mod:`course.authoring.lint`) and a
new master that follows them (:mod:`course.authoring.scaffold`, ``course new``)."""
