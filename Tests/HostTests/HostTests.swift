// Tests for Host.
