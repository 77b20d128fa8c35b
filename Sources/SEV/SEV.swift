// Module SEV: filled in by its issue.
