"""Adapters of the vision package: video capture, person detectors, motion gating."""
