"""The sandbox's DynamoDB corrections over moto."""
