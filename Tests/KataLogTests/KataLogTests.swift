// Tests for KataLog.
