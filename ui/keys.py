"""Keyboard behaviour Streamlit lacks or leaves in English.

Enter in a date box applies the typed date, and the link the first Tab shows ("Skip to main
content") is named in Vietnamese.

Streamlit 1.67's st.date_input (react-aria segments) takes a typed date only when the focus
leaves the box; Enter does nothing, so a user who types 23/01/2024 and presses Enter sees the
old figures. `keyboard_behaviour` adds one document-level listener (once per browser tab,
whatever the reruns) that turns Enter inside a date box into leaving it, which applies the
date the way Streamlit already does on blur.
"""

from __future__ import annotations

import json

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
(() => {
  // Streamlit 1.67 names its skip link in English, with no option; the link stays a link
  // (focusable, same target), only its words change, again whenever it is drawn anew.
  const words = SKIP_LINK_TEXT;
  const rename = () => {
    const link = document.querySelector('[data-testid="stSkipToContent"]');
    if (link && link.textContent !== words) link.textContent = words;
  };
  rename();
  if (window.__asxhSkipLinkWatched) return;
  window.__asxhSkipLinkWatched = true;
  // Only the link's own parents, and only their children lists: cheap on every redraw.
  const watch = new MutationObserver(rename);
  for (const id of ["stApp", "stAppViewContainer"]) {
    const parent = document.querySelector(`[data-testid="${id}"]`);
    if (parent) watch.observe(parent, { childList: true });
  }
})();
</script>"""

SKIP_LINK = "Chuyển đến nội dung chính"


def keyboard_behaviour() -> None:
    """Install the listener and the link's name (the element is empty: nothing shows)."""
    st.html(_SCRIPT.replace("SKIP_LINK_TEXT", json.dumps(SKIP_LINK)),
            unsafe_allow_javascript=True)
