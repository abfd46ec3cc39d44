"""What gets published: ``course build`` executes the lectures and builds the website, ``build/site/``."""
