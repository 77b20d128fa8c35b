// Tests for QEMU.
