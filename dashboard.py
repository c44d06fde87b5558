"""ASXH Dashboard entry point: `streamlit run dashboard.py`.

Only routing lives here. Each page in `pages/` opens with `ui.context.open_page`, which checks
access itself, because Streamlit also serves those files directly by URL.
"""

import streamlit as st

from ui.registry import PAGES

st.set_page_config(page_title="ASXH Dashboard", page_icon=":material/bar_chart:",
                   layout="wide")

sections: dict[str, list] = {}
for spec in PAGES:
    if spec.exists():
        sections.setdefault(spec.section, []).append(
            st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path,
                    default=spec.key == "tong_quan"))

st.navigation(sections).run()
