"""AWS and domain logic. No Qt in this package."""
