// Tests for KataRuntimeCLI.
