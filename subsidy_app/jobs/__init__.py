"""Long work off the request path: one job model and one API for everything that takes
longer than a request should (bulk approvals, exports, reports, verification, draws)."""
