"""Reminders people asked for: subscriptions to funding deadlines that fit their profile and to new events in their
region, the round that finds what is due and queues it in the outbox once per person, deadline and offset, and the
calendar file (.ics) an event comes with."""
