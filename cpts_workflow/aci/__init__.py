"""The ACI contract: the one table of missions, the taille rule, funding grids as data,
the yearly simulator and the calendar of missions after signature."""
