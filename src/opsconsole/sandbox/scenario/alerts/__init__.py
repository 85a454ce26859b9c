"""Seed data of the alerts area: queues, the DLQ, SNS topics, metrics and alarms."""
