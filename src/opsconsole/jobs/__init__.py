"""Background work: the job runner, the connectivity monitor fed by its jobs' outcomes, and job notices."""
