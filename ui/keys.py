"""Keyboard behaviour Streamlit lacks: Enter in a date box applies the typed date.

Streamlit 1.67's st.date_input (react-aria segments) takes a typed date only when the focus
leaves the box; Enter does nothing, so a user who types 23/01/2024 and presses Enter sees the
old figures. `enter_applies_dates` adds one document-level listener (once per browser tab,
whatever the reruns) that turns Enter inside a date box into leaving it, which applies the
date the way Streamlit already does on blur.
"""

from __future__ import annotations

import streamlit as st

_SCRIPT = """<script>
(() => {
  if (window.__asxhEnterAppliesDates) return;
  window.__asxhEnterAppliesDates = true;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || event.altKey) return;
    const target = event.target;
    if (!(target instanceof Element)) return;
    const field = target.closest('[data-testid="stDateInputField"]');
    if (!field) return;
    event.preventDefault();
    event.stopPropagation();
    // Move the focus to a place outside the box: Streamlit applies the date on that blur.
    let sink = document.getElementById("asxh-focus-sink");
    if (!sink) {
      sink = document.createElement("span");
      sink.id = "asxh-focus-sink";
      sink.tabIndex = -1;
      sink.setAttribute("aria-hidden", "true");
      sink.style.cssText = "position:fixed;top:0;left:0;width:0;height:0;overflow:hidden";
      document.body.appendChild(sink);
    }
    sink.focus({ preventScroll: true });
  }, true);
})();
</script>"""


def enter_applies_dates() -> None:
    """Install the listener (the element is empty: nothing shows)."""
    st.html(_SCRIPT, unsafe_allow_javascript=True)
