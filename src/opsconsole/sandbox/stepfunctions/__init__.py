"""The sandbox's Step Functions: what moto lacks or gets wrong, served with AWS's wire protocol."""
