"""The hall: tickets and the calling rule, counters, appointments, events, hall calls, ratings, queue texts."""
