// Module KataConfig: filled in by its issue.
