"""Recusal (回避制度, seed 003 二(四)): reviewers' declared conflicts of interest."""
