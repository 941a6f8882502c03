"""Basin's data files (the scenarios), installed with Basin as the package ``basin_assets``."""
