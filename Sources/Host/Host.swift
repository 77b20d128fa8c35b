// Module Host: filled in by its issue.
