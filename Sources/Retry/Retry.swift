// Module Retry: filled in by its issue.
