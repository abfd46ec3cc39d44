"""What gets published: ``course build`` executes the lectures and writes ``build/index.html``."""
