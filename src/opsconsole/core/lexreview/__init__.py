"""The review-queues area's rules: missed utterances, review items, the bot, deployments."""
