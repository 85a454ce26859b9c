"""The alerts area's rules: CloudWatch alarms, anomaly bands, the alert feed, dead-letter queues."""
