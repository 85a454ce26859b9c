"""The agent's view of the review queues: the queue, the transcript, triage."""
