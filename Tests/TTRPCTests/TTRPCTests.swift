// Tests for TTRPC.
