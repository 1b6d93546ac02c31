""""Tell me when I'm close": a phone number typed on the citizen's ticket page gets an SMS when
a few people are ahead and when the ticket is called (through the notices outbox)."""
