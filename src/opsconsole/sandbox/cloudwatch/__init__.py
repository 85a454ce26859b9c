"""CloudWatch in the sandbox: alarm history, composite alarms, anomaly detectors and bands, alarm evaluation."""
