// Module Firmware: filled in by its issue.
