// Tests for KataConfig.
