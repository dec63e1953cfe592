"""Tests for Learning Sites Intake."""
