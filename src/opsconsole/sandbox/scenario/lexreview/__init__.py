"""Seed data of the review-queues area: the BankingHelpDesk bot and its stored conversations."""
