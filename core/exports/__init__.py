"""Exports: briefings (PDF, PowerPoint), meeting packs, report forms, upload templates,
charts, Excel/CSV tables and the rendering they share."""
