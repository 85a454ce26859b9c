"""Amazon Forecast and forecastquery for the sandbox, and the S3 bucket their export files are read from
(see docs/sandbox-forecasts.md)."""
