// Module Protocols: filled in by its issue.
