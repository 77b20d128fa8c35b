// Module KataLog: filled in by its issue.
