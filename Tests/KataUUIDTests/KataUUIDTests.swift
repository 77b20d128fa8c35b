// Tests for KataUUID.
