"""Double-random spot checks (双随机、一公开, seed 003 §三): registries of inspection objects
and of inspectors, reproducible draws, results, and the annual inspection plan."""
