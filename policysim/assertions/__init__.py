"""IAM unit tests: expected decisions for principals and actions, checked against an account."""
