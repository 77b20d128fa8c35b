// Module KataUUID: filled in by its issue.
