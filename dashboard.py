"""ASXH Dashboard's script, served by `app.py` (`streamlit run app.py`), which adds the
sign-in routes.

Only routing lives here: the navigation lists the pages the signed-in user's role may open,
and each run of a page waits for its turn (ui/turns.py). It is not the access check: each page
in `pages/` opens with `ui.context.open_page`, which checks access itself, because Streamlit
also serves those files directly by URL.
"""

import streamlit as st

from ui.access import current_account
from ui.engine import ready_engine
from ui.registry import HOME, pages_for
from ui.turns import page_turn

st.set_page_config(page_title="ASXH Dashboard", page_icon=":material/bar_chart:",
                   layout="wide")

# One page run at a time per server process, in arrival order (ui/turns.py says why).
with page_turn():
    account = current_account(ready_engine())

    # Signed out: every page stays routable (its own gate draws the sign-in form at its URL)
    # but the menu is hidden. Signed in: only the pages of the user's role exist; another
    # page's URL falls back to the default page.
    sections: dict[str, list] = {}
    for spec in pages_for(account.role if account else None):
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                    default=spec.key == HOME))

    st.navigation(sections, position="sidebar" if account else "hidden").run()
