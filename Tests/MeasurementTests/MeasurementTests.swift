// Tests for Measurement.
