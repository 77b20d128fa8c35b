// Tests for Retry.
