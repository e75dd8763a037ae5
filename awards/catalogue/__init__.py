"""The catalogue of a season: its award categories, the dramas presented and the nominees of each
category, and the catalogue's spreadsheet files."""
