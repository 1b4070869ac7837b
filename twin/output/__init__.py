"""Run files: the HDF5 schema (docs/schema.md, docs/design.md §6), its writer and its reader."""
