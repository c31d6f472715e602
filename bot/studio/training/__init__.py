"""Retrain from the studio: background training, gates, hot swap, roll back."""
