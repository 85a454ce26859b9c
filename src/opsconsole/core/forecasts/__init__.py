"""The forecasts area's rules: quantile forecasts against actuals, accuracy, winner models."""
