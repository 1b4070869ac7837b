"""Run files: the HDF5 schema (DESIGN.md §4), its writer and its reader."""
