"""The plan's incentives (programs), their effective-dated rates and required evidence."""
