// Module TDX: filled in by its issue.
