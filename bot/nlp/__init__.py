"""Our own small spaCy pipeline: built from spacy.blank("en"), no download needed."""
