// Module TTRPC: filled in by its issue.
