"""The pages run through Streamlit's AppTest.

Each new AppTest scans every installed distribution's metadata for Streamlit components
(Streamlit 1.67: AppTest._run, BidiComponentManager.discover_and_register_components), a third
of a second each time; the installed packages do not change during a run, so one scan per
worker process serves every AppTest. A real server scans once at start-up."""

from __future__ import annotations

import functools

from streamlit.components.v2 import manifest_scanner

manifest_scanner.scan_component_manifests = functools.cache(
    manifest_scanner.scan_component_manifests)
