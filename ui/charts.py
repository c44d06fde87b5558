"""The pages' figure builders: they live in core.figures (pure plotly, no streamlit) so that
the briefing deck and its PDF draw the same charts as the pages; this keeps the import path.
"""

from core.figures import *  # noqa: F403
from core.figures import _date_axis, _reference_line, _short, _style  # noqa: F401
