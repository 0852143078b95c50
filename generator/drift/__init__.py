"""The parts of generator/spec_drift.py: shapes (one view of a schema on both sides), compare (what
differs) and comments (which comment of our spec explains a difference). Standard library and PyYAML only."""
