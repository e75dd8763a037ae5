"""The awards web service: seasons, categories, the drama catalogue, jury and rounds."""
