"""`policysim lint`: rules over the policy model and the IAM catalog (spec/lint-rules.md)."""
