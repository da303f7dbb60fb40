"""ACI funding: grids as data (`grids`) and the yearly simulator (`simulator`)."""
