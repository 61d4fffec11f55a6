"""The read model of the figures (issue 31): the per-day tallies and their tables, below every page
that shows figures (indicators, survey's IKM, the complaint recap, the dashboard). It imports the frame
only, never a capability: each capability reads it, none is read by it."""
from app.figures import models  # noqa: F401  (the tallies' tables, for the schema test and the app)
