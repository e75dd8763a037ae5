"""Results: what each category may show by its disclosure level, the public pages and the
announcement."""
