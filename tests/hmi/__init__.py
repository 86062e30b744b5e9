"""Tests of the control-room HMI (pytest-qt, offscreen, against the simulated plant)."""
