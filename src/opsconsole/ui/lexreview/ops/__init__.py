"""The operations view of the review queues: review items, approval, deployments."""
