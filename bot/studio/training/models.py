"""Training runs started from the studio, and which model went live when.

A run records its stages and gate report so the studio can show progress, why a model
was refused, and the label-by-label comparison with the live model. Every publish and
roll back is a row in ``model_publications``: the live model is the newest row, and any
earlier row's model can be made live again.
"""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Float, ForeignKey, Integer, String, Text

from bot.bookings.models import UTCDateTime, utcnow
from bot.studio.models import StudioBase

RUN_STATES = ("running", "passed", "failed", "error", "published")
PUBLICATION_KINDS = ("started", "publish", "rollback")


class TrainingRun(StudioBase):
    """One "Train" click: a snapshot of the content, trained, then put through the gates."""

    __tablename__ = "training_runs"
    __table_args__ = (CheckConstraint("state IN " + str(RUN_STATES), name="state"),)

    id = Column(Integer, primary_key=True)
    started_by = Column(String(64), nullable=False)
    started_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    finished_at = Column(UTCDateTime(), nullable=True)
    state = Column(String(16), nullable=False, default="running")
    stage = Column(String(32), nullable=False, default="")
    progress = Column(Float, nullable=False, default=0.0)
    fingerprint = Column(String(12), nullable=False, default="")
    model_file = Column(String(64), nullable=False, default="")
    live_model_file = Column(String(64), nullable=False, default="")
    # Why it failed, in words for staff (empty when it passed or still runs).
    problems = Column(JSON, nullable=False, default=list)
    report = Column(JSON, nullable=False, default=dict)
    workdir = Column(Text, nullable=False, default="")


class ModelPublication(StudioBase):
    """A model made live: by a publish, a roll back, or the model the server started with."""

    __tablename__ = "model_publications"
    __table_args__ = (CheckConstraint("kind IN " + str(PUBLICATION_KINDS), name="kind"),)

    id = Column(Integer, primary_key=True)
    model_file = Column(String(64), nullable=False)
    fingerprint = Column(String(12), nullable=False)
    kind = Column(String(16), nullable=False)
    run_id = Column(Integer, ForeignKey("training_runs.id"), nullable=True)
    published_by = Column(String(64), nullable=False)
    published_at = Column(UTCDateTime(), nullable=False, default=utcnow)
    swap_seconds = Column(Float, nullable=True)
