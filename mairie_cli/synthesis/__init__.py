"""The departmental synthesis: themes, near-duplicates, the workbook and the open-data CSV."""
