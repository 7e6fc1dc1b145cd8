"""Security: who is asking (principals), what a record is marked, the one access check, audit."""
