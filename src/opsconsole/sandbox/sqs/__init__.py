"""SQS in the sandbox: message move tasks (DLQ redrive) and a paged ListDeadLetterSourceQueues."""
