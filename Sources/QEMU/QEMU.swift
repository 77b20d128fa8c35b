// Module QEMU: filled in by its issue.
